import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import type { TestDatabase } from '@toolgate/db/testing';
import { everythingStdioCommand, startEverythingServer } from '@toolgate/fixtures/everything';
import { manyToolDefinitions, manyToolsStdioCommand } from '@toolgate/fixtures/many-tools';
import type { EchoSession } from './echo-session.ts';
import type { BenchEnv } from './env.ts';
import { PUBLIC_MCP_URL, PUBLIC_WEB_URL, startGateway, type GatewayHandle } from './gateway-handle.ts';
import type { IdleEndpoint } from './idle-sessions.ts';
import { HttpEchoSession } from './http-echo-session.ts';
import { LegacySseEchoSession } from './legacy-sse-echo-session.ts';
import {
  DEFAULT_PEERS_DIR,
  descendantWith,
  ensurePeers,
  PEERS,
  startMcpHub,
  startMcpProxy,
  type PeerProcess,
  type StdioCommand,
} from './peers.ts';
import {
  describeGovernance,
  seedEchoGateway,
  seedListGateway,
  type BenchAuth,
  type DiscoveredTool,
  type Governance,
  type SeededGateway,
  type UpstreamSpec,
} from './seed-gateway.ts';
import { removeBusKeys } from './redis-keys.ts';
import { limitedTargets } from './limits-target.ts';
import { runnerTargets } from './runner-target.ts';
import { StdioEchoSession } from './stdio-echo-session.ts';

export type Mode = 'http' | 'stdio';
/**
 * `direct` and `gateway` (Toolgate) always; `governed` (a second Toolgate process whose workspace
 * has policies and guardrails) with BENCH_GOVERNANCE; `limited` (one whose tenant has call limits)
 * with BENCH_LIMITS; `runner-sandbox`, `runner-process` (a Toolgate process routing the
 * stdio installation to a runner process) with BENCH_RUNNER; the peers with BENCH_PEERS=1.
 */
export type TargetName =
  | 'direct'
  | 'gateway'
  | 'governed'
  | 'limited'
  | 'runner-sandbox'
  | 'runner-process'
  | 'mcp-proxy'
  | 'mcp-hub';

export const isPeer = (name: TargetName): boolean => name === 'mcp-proxy' || name === 'mcp-hub';

/** Client sessions per target; concurrent phases spread their in-flight calls over them. */
export const SESSIONS = 16;

/** A target's endpoint for the listing stage: the same kind of path, in front of the fixture. */
export interface ListEndpoint {
  session: EchoSession;
  /** The proxy process answering (undefined: direct). */
  proxyPid: number | undefined;
  /** The fixture process, if one is involved (Toolgate lists from its cache and spawns none). */
  upstreamPid(): number | undefined;
  close(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** For tables: what it is and how the client reaches it. */
  label: string;
  /** c1 uses the first; c16/c64 spread their workers round-robin over all of them. */
  sessions: EchoSession[];
  /** The proxy process between the client and the server (undefined: direct). */
  proxyPid: number | undefined;
  /** The server-everything process serving this target's calls. */
  upstreamPid(): number;
  /**
   * BENCH_RUNNER: the runner process between the gateway and the server, and its sandbox's
   * wrapper processes (bwrap); their CPU is charged to the hop. Undefined: no runner.
   */
  runnerPids?: () => number[];
  /** Opens the listing endpoint (stdio mode with BENCH_LIST_CALLS > 0); closed after the stage. */
  openList?: () => Promise<ListEndpoint>;
  /** Where the idle-sessions stage opens its sessions (Toolgate). */
  idle?: IdleEndpoint;
}

export interface ModeSetup {
  mode: Mode;
  /** `direct` first, then `gateway`, then `governed` (BENCH_GOVERNANCE), `limited` (BENCH_LIMITS), `runner-*` (BENCH_RUNNER), then any peers. */
  targets: Target[];
  /** BENCH_GOVERNANCE: what the `governed` target's workspace has (undefined: off). */
  governance: string | undefined;
  /** BENCH_RUNNER: the runner backend(s) (undefined: off). */
  runner: string | undefined;
  /** Tools of the listing fixture (0: no listing stage). */
  listTools: number;
  close(): Promise<void>;
}

export interface SetupContext {
  env: BenchEnv;
  db: TestDatabase;
  /**
   * The gateways' TOOLGATE_SECRET_KEYS, one ring for the whole run: OAuth access tokens are signed
   * with the key row it seals in the bench database (the proxy itself reads only public keys).
   */
  secretKeys: string;
}

const stdioEnv = (env: BenchEnv) => ({ PATH: env.PATH, HOME: env.HOME, LANG: 'C.UTF-8' });
/** Words of the command lines that find the servers among a proxy's descendants. */
const EVERYTHING_NEEDLE = 'server-everything';
const LIST_NEEDLE = 'many-tools-stdio';

export async function openSessions(count: number, open: () => Promise<EchoSession>): Promise<EchoSession[]> {
  const sessions: EchoSession[] = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(await open());
  } catch (error) {
    await Promise.all(sessions.map((s) => s.close()));
    throw error;
  }
  return sessions;
}

/** Checks that `tool` is listed, then calls it once (a proxy may connect upstream on first use). */
export async function firstCall(name: string, sessions: EchoSession[], tool: string): Promise<void> {
  const listed = (await sessions[0]!.request('tools/list')).tools as { name: string }[];
  if (!listed.some((t) => t.name === tool))
    throw new Error(`${name} does not list ${tool}: ${JSON.stringify(listed.map((t) => t.name))}`);
  await sessions[0]!.echo();
}

/** Undoes what was set up so far if a later step fails. */
export class Teardown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`teardown: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
}

export function benchAuth(env: BenchEnv, secretKeys: string): BenchAuth {
  return env.BENCH_AUTH === 'oauth'
    ? {
        kind: 'oauth',
        ring: parseKeyRing(secretKeys),
        publicMcpUrl: PUBLIC_MCP_URL,
        publicWebUrl: PUBLIC_WEB_URL,
      }
    : { kind: 'api_token' };
}

/**
 * Seeds a gateway for `upstream` (and, with `list`, a second one exposing the listing fixture's
 * tools), spawns the gateway process and opens SESSIONS sessions to it. With `governance` other
 * than `off`, the gateway's workspace has the benchmark's policies (and guardrails): the
 * `governed` target, checked to enforce them before it is measured.
 */
async function gatewayTarget(
  { env, db, secretKeys }: SetupContext,
  teardown: Teardown,
  upstream: UpstreamSpec,
  tools: DiscoveredTool[],
  upstreamPid: (gateway: GatewayHandle) => number,
  list: { command: StdioCommand; tools: DiscoveredTool[] } | undefined,
  governance: Governance = 'off',
): Promise<Target> {
  const auth = benchAuth(env, secretKeys);
  const seeded = await seedEchoGateway(db, upstream, tools, auth, governance);
  const listSeeded = list ? await seedListGateway(db, list.command, list.tools, auth) : undefined;
  const busPrefix = `tgbench-${randomBytes(4).toString('hex')}`;
  const redisUrl = env.BENCH_REDIS_URL;
  if (redisUrl) teardown.add(() => removeBusKeys(redisUrl, busPrefix));
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisUrl,
    busPrefix,
    sessionKeys: generateKeySpec('s1'),
    secretKeys,
    path: env.PATH,
    home: env.HOME,
    nodeArgs: env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean),
  });
  teardown.add(() => gateway.stop());
  const agent = new http.Agent({ keepAlive: true });
  teardown.add(() => agent.destroy());
  const open = (s: SeededGateway) => () =>
    HttpEchoSession.open(gateway.url + s.path, { agent, tool: s.tool, authorization: `Bearer ${s.token}` });
  const sessions = await openSessions(SESSIONS, open(seeded));
  // The first call makes the gateway connect upstream (and, for stdio, spawn the server).
  await firstCall(governance === 'off' ? 'the gateway' : 'the governed gateway', sessions, seeded.tool);
  if (governance !== 'off') {
    await checkGovernance(sessions[0]!, seeded.tool, governance);
    return {
      name: 'governed',
      label: `Toolgate + ${describeGovernance(governance)}`,
      sessions,
      proxyPid: gateway.pid,
      upstreamPid: () => upstreamPid(gateway),
    };
  }
  return {
    name: 'gateway',
    label: 'Toolgate (Streamable HTTP)',
    sessions,
    proxyPid: gateway.pid,
    upstreamPid: () => upstreamPid(gateway),
    idle: { url: gateway.url + seeded.path, authorization: `Bearer ${seeded.token}` },
    openList: listSeeded
      ? async () => {
          const session = await open(listSeeded)();
          return {
            session,
            proxyPid: gateway.pid,
            upstreamPid: () => descendantWith(gateway.pid, LIST_NEEDLE),
            close: () => session.close(),
          };
        }
      : undefined,
  };
}

/**
 * The governed gateway enforces what was seeded (setup calls, not measured): a call passing a
 * password is refused by a policy, and with guardrails an e-mail address in the arguments does
 * not come back in the echo.
 */
async function checkGovernance(session: EchoSession, tool: string, governance: Governance): Promise<void> {
  const call = async (args: Record<string, unknown>) => {
    const result = await session.request('tools/call', { name: tool, arguments: args });
    return { isError: result.isError === true, text: JSON.stringify(result.content) };
  };
  const denied = await call({ message: 'bench', password: 'hunter2' });
  if (!denied.isError)
    throw new Error(`the governed gateway did not apply its policies: ${denied.text.slice(0, 200)}`);
  if (governance !== 'full') return;
  const address = 'ann@partner.example';
  const redacted = await call({ message: `mail ${address}` });
  if (redacted.isError || redacted.text.includes(address) || !redacted.text.includes('Echo: mail '))
    throw new Error(`the governed gateway did not apply its guardrails: ${redacted.text.slice(0, 200)}`);
}

/** The governed target, when BENCH_GOVERNANCE asks for it (same upstream, own gateway process). */
async function governedTargets(
  ctx: SetupContext,
  teardown: Teardown,
  upstream: UpstreamSpec,
  tools: DiscoveredTool[],
  upstreamPid: (gateway: GatewayHandle) => number,
): Promise<Target[]> {
  const governance = ctx.env.BENCH_GOVERNANCE;
  if (governance === 'off') return [];
  return [await gatewayTarget(ctx, teardown, upstream, tools, upstreamPid, undefined, governance)];
}

const governanceOf = (env: BenchEnv) =>
  env.BENCH_GOVERNANCE === 'off' ? undefined : describeGovernance(env.BENCH_GOVERNANCE);

/** Upstream over Streamable HTTP: one server-everything every target calls (never at the same time). */
export async function setUpHttp(ctx: SetupContext): Promise<ModeSetup> {
  const teardown = new Teardown();
  try {
    const everything = await startEverythingServer('streamableHttp');
    teardown.add(() => everything.close());
    const directAgent = new http.Agent({ keepAlive: true });
    teardown.add(() => directAgent.destroy());
    const open = () => HttpEchoSession.open(everything.url, { agent: directAgent, tool: 'echo' });
    const directSessions = await openSessions(SESSIONS, open);
    const tools = (await directSessions[0]!.request('tools/list')).tools as DiscoveredTool[];
    const gateway = await gatewayTarget(
      ctx,
      teardown,
      { url: everything.url },
      tools,
      () => everything.pid,
      undefined,
    );
    const governed = await governedTargets(
      ctx,
      teardown,
      { url: everything.url },
      tools,
      () => everything.pid,
    );
    const limited = await limitedTargets(ctx, teardown, { url: everything.url }, tools, () => everything.pid);
    const direct: Target = {
      name: 'direct',
      label: 'direct (Streamable HTTP)',
      sessions: directSessions,
      proxyPid: undefined,
      upstreamPid: () => everything.pid,
    };
    return {
      mode: 'http',
      targets: [direct, gateway, ...governed, ...limited],
      governance: governanceOf(ctx.env),
      runner: undefined,
      listTools: 0,
      close: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/** Direct over stdio to a fresh child: the bench process drives the pipe itself. */
async function openStdio(env: BenchEnv, command: StdioCommand, tool: string): Promise<StdioEchoSession> {
  return StdioEchoSession.open(command, { env: stdioEnv(env), tool });
}

/** A peer's listing endpoint: another instance of the peer, in front of the listing fixture. */
function peerList(
  start: (command: StdioCommand) => Promise<PeerProcess>,
  openSession: (peer: PeerProcess) => Promise<EchoSession>,
  command: StdioCommand,
): () => Promise<ListEndpoint> {
  return async () => {
    const peer = await start(command);
    try {
      const session = await openSession(peer);
      return {
        session,
        proxyPid: peer.pid,
        upstreamPid: () => peer.upstreamPid(),
        async close() {
          await session.close();
          await peer.stop();
        },
      };
    } catch (error) {
      await peer.stop();
      throw error;
    }
  };
}

/**
 * Upstream over stdio. Direct: this process drives its own server-everything child over a pipe —
 * one session, so c16/c64 put all their calls in flight on it. Gateway: the gateway hosts its
 * own child (one pooled upstream session) and the load comes over SESSIONS HTTP sessions. With
 * BENCH_PEERS, mcp-proxy and mcp-hub each host their own child too, each reached over HTTP the
 * way it serves MCP. With BENCH_LIST_CALLS > 0, every target also gets a listing endpoint in
 * front of the 1,000-tool fixture (its own stdio child), opened for the listing stage only.
 */
export async function setUpStdio(ctx: SetupContext): Promise<ModeSetup> {
  const { env } = ctx;
  const teardown = new Teardown();
  const command = everythingStdioCommand();
  const listTools = env.BENCH_LIST_CALLS > 0 ? env.BENCH_LIST_TOOLS : 0;
  const listCommand = manyToolsStdioCommand(Math.max(1, listTools));
  const withList = <T extends Target>(target: T, openList: () => Promise<ListEndpoint>): T =>
    listTools > 0 ? { ...target, openList } : target;
  try {
    const directSession = await openStdio(env, command, 'echo');
    teardown.add(() => directSession.close());
    const tools = (await directSession.request('tools/list')).tools as DiscoveredTool[];
    const direct = withList<Target>(
      {
        name: 'direct',
        label: 'direct (stdio pipe)',
        sessions: [directSession],
        proxyPid: undefined,
        upstreamPid: () => directSession.pid,
      },
      async () => {
        const session = await openStdio(env, listCommand, 'tool_0001');
        return { session, proxyPid: undefined, upstreamPid: () => session.pid, close: () => session.close() };
      },
    );
    const gateway = await gatewayTarget(
      ctx,
      teardown,
      command,
      tools,
      (gw) => stdioChildOf(gw.pid),
      listTools > 0 ? { command: listCommand, tools: manyToolDefinitions(listTools) } : undefined,
    );
    const targets: Target[] = [
      direct,
      gateway,
      ...(await governedTargets(ctx, teardown, command, tools, (gw) => stdioChildOf(gw.pid))),
      ...(await limitedTargets(ctx, teardown, command, tools, (gw) => stdioChildOf(gw.pid))),
      ...(await runnerTargets(ctx, teardown, command, tools)),
    ];
    if (env.BENCH_PEERS) {
      const bins = await ensurePeers(env.BENCH_PEERS_DIR ?? DEFAULT_PEERS_DIR);
      const peerEnv = { PATH: env.PATH, HOME: env.HOME };
      const agent = new http.Agent({ keepAlive: true });
      teardown.add(() => agent.destroy());

      const startProxy = (c: StdioCommand, needle: string) =>
        startMcpProxy(bins['mcp-proxy'], c, needle, peerEnv);
      const mcpProxy = await startProxy(command, EVERYTHING_NEEDLE);
      teardown.add(() => mcpProxy.stop());
      const proxySession = (peer: PeerProcess, tool: string) =>
        HttpEchoSession.open(peer.url, { agent, tool });
      const proxySessions = await openSessions(SESSIONS, () => proxySession(mcpProxy, 'echo'));
      await firstCall('mcp-proxy', proxySessions, 'echo');
      targets.push(
        withList(
          {
            name: 'mcp-proxy',
            label: `mcp-proxy ${PEERS['mcp-proxy']} (Streamable HTTP)`,
            sessions: proxySessions,
            proxyPid: mcpProxy.pid,
            upstreamPid: () => mcpProxy.upstreamPid(),
          },
          peerList(
            (c) => startProxy(c, LIST_NEEDLE),
            (peer) => proxySession(peer, 'tool_0001'),
            listCommand,
          ),
        ),
      );

      const startHub = (c: StdioCommand, server: string, needle: string) =>
        startMcpHub(bins['mcp-hub'], c, server, needle, peerEnv);
      const mcpHub = await startHub(command, 'everything', EVERYTHING_NEEDLE);
      teardown.add(() => mcpHub.stop());
      const hubSession = (peer: PeerProcess, tool: string) =>
        LegacySseEchoSession.open(peer.url, { agent, tool });
      const hubSessions = await openSessions(SESSIONS, () => hubSession(mcpHub, 'everything__echo'));
      teardown.add(() => Promise.all(hubSessions.map((s) => s.close())).then(() => undefined));
      await firstCall('mcp-hub', hubSessions, 'everything__echo');
      targets.push(
        withList(
          {
            name: 'mcp-hub',
            label: `mcp-hub ${PEERS['mcp-hub']} (HTTP+SSE 2024-11-05)`,
            sessions: hubSessions,
            proxyPid: mcpHub.pid,
            upstreamPid: () => mcpHub.upstreamPid(),
          },
          peerList(
            (c) => startHub(c, 'many', LIST_NEEDLE),
            (peer) => hubSession(peer, 'many__tool_0001'),
            listCommand,
          ),
        ),
      );
    }
    return {
      mode: 'stdio',
      targets,
      governance: governanceOf(env),
      runner: env.BENCH_RUNNER === 'off' ? undefined : env.BENCH_RUNNER,
      listTools,
      close: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/** The server-everything child the gateway spawned for its stdio upstream. */
function stdioChildOf(gatewayPid: number): number {
  const pid = descendantWith(gatewayPid, EVERYTHING_NEEDLE);
  if (pid === undefined) throw new Error('the gateway has no server-everything child');
  return pid;
}
