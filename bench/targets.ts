import http from 'node:http';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import type { TestDatabase } from '@toolgate/db/testing';
import { everythingStdioCommand, startEverythingServer } from '@toolgate/fixtures/everything';
import type { EchoSession } from './echo-session.ts';
import type { BenchEnv } from './env.ts';
import { PUBLIC_MCP_URL, PUBLIC_WEB_URL, startGateway, type GatewayHandle } from './gateway-handle.ts';
import { HttpEchoSession } from './http-echo-session.ts';
import { childPids } from './proc-stats.ts';
import { seedEchoGateway, type BenchAuth, type UpstreamSpec } from './seed-gateway.ts';
import { StdioEchoSession } from './stdio-echo-session.ts';

export type Mode = 'http' | 'stdio';
export type TargetName = 'direct' | 'gateway';

/** Client sessions per target; concurrent phases spread their in-flight calls over them. */
export const SESSIONS = 16;

export interface Target {
  name: TargetName;
  /** c1 uses the first; c16/c64 spread their workers round-robin over all of them. */
  sessions: EchoSession[];
  /** The gateway process (gateway target only). */
  gatewayPid: number | undefined;
  /** The server-everything process serving this target's calls. */
  upstreamPid(): number;
}

export interface ModeSetup {
  mode: Mode;
  direct: Target;
  gateway: Target;
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

type Tools = { name: string; description?: string; inputSchema?: Record<string, unknown> }[];

const stdioEnv = (env: BenchEnv) => ({ PATH: env.PATH, HOME: env.HOME, LANG: 'C.UTF-8' });

async function openSessions(count: number, open: () => Promise<EchoSession>): Promise<EchoSession[]> {
  const sessions: EchoSession[] = [];
  for (let i = 0; i < count; i++) sessions.push(await open());
  return sessions;
}

/** Seeds a gateway for `upstream`, spawns the gateway process and opens SESSIONS sessions to it. */
async function gatewayTarget(
  { env, db, secretKeys }: SetupContext,
  upstream: UpstreamSpec,
  tools: Tools,
  upstreamPid: (gateway: GatewayHandle) => number,
): Promise<{ target: Target; gateway: GatewayHandle; agent: http.Agent }> {
  const auth: BenchAuth =
    env.BENCH_AUTH === 'oauth'
      ? {
          kind: 'oauth',
          ring: parseKeyRing(secretKeys),
          publicMcpUrl: PUBLIC_MCP_URL,
          publicWebUrl: PUBLIC_WEB_URL,
        }
      : { kind: 'api_token' };
  const seeded = await seedEchoGateway(db, upstream, tools, auth);
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisUrl: env.BENCH_REDIS_URL,
    busPrefix: `tgbench-${randomBytes(4).toString('hex')}`,
    sessionKeys: generateKeySpec('s1'),
    secretKeys,
    path: env.PATH,
    home: env.HOME,
    nodeArgs: env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean),
  });
  const agent = new http.Agent({ keepAlive: true });
  try {
    const sessions = await openSessions(SESSIONS, () =>
      HttpEchoSession.open(gateway.url + seeded.path, {
        agent,
        tool: seeded.tool,
        authorization: `Bearer ${seeded.token}`,
      }),
    );
    const listed = (await sessions[0]!.request('tools/list')).tools as { name: string }[];
    if (!listed.some((t) => t.name === seeded.tool))
      throw new Error(`the gateway does not list ${seeded.tool}: ${JSON.stringify(listed)}`);
    // The first call makes the gateway connect upstream (and, for stdio, spawn the server).
    await sessions[0]!.echo();
    const target: Target = {
      name: 'gateway',
      sessions,
      gatewayPid: gateway.pid,
      upstreamPid: () => upstreamPid(gateway),
    };
    return { target, gateway, agent };
  } catch (error) {
    agent.destroy();
    await gateway.stop();
    throw error;
  }
}

/** Upstream over Streamable HTTP: one server-everything both targets call (never at the same time). */
export async function setUpHttp(ctx: SetupContext): Promise<ModeSetup> {
  const everything = await startEverythingServer('streamableHttp');
  const directAgent = new http.Agent({ keepAlive: true });
  try {
    const open = () => HttpEchoSession.open(everything.url, { agent: directAgent, tool: 'echo' });
    const directSessions = await openSessions(SESSIONS, open);
    const tools = (await directSessions[0]!.request('tools/list')).tools as Tools;
    const gw = await gatewayTarget(ctx, { url: everything.url }, tools, () => everything.pid);
    return {
      mode: 'http',
      direct: {
        name: 'direct',
        sessions: directSessions,
        gatewayPid: undefined,
        upstreamPid: () => everything.pid,
      },
      gateway: gw.target,
      async close() {
        await gw.gateway.stop();
        gw.agent.destroy();
        directAgent.destroy();
        await everything.close();
      },
    };
  } catch (error) {
    directAgent.destroy();
    await everything.close();
    throw error;
  }
}

/**
 * Upstream over stdio. Direct: this process drives its own server-everything child over a pipe —
 * one session, so c16/c64 put all their calls in flight on it. Gateway: the gateway hosts its
 * own child (one pooled upstream session) and the load comes over SESSIONS HTTP sessions.
 */
export async function setUpStdio(ctx: SetupContext): Promise<ModeSetup> {
  const command = everythingStdioCommand();
  const direct = await StdioEchoSession.open(command, { env: stdioEnv(ctx.env), tool: 'echo' });
  try {
    const tools = (await direct.request('tools/list')).tools as Tools;
    const gw = await gatewayTarget(ctx, command, tools, stdioChildOf);
    return {
      mode: 'stdio',
      direct: { name: 'direct', sessions: [direct], gatewayPid: undefined, upstreamPid: () => direct.pid },
      gateway: gw.target,
      async close() {
        await gw.gateway.stop();
        gw.agent.destroy();
        await direct.close();
      },
    };
  } catch (error) {
    await direct.close();
    throw error;
  }
}

/** The server-everything child the gateway spawned for its stdio upstream. */
function stdioChildOf(gateway: GatewayHandle): number {
  const pid = childPids(gateway.pid).find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('server-everything');
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error('the gateway has no server-everything child');
  return pid;
}
