import { PassThrough, Writable } from 'node:stream';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import {
  type SandboxBackend,
  type SandboxExit,
  type SandboxSpec,
  type SandboxedProcess,
  parseSandboxSpec,
} from '../sandbox/sandbox-spec.ts';
import { bridgeKey } from './bridge-key.ts';
import type { KubernetesServers } from './kubernetes-servers.ts';
import type { ServerWorkload } from './manifests.ts';

export interface KubernetesBackendOptions {
  servers: KubernetesServers;
  ring: KeyRing;
  log: Logger;
  /** How long a scaled-up server may take to be ready (image pull, start, initialize). */
  readyTimeoutMs: number;
  /** How often the pod's log (the bridge's `/log`) is copied into the server's stderr. */
  logPollMs?: number;
  /** Where to reach a server; default its Service (`servers.endpoint`). Tests point at a local bridge. */
  endpoint?: (installationId: string, variant: 'stable' | 'canary') => string;
  /** The bridge image, whose tag (or digest) is the running version of command servers. */
  bridgeImage?: string;
}

/** `registry/toolgate-bridge:1.2.0` → `1.2.0`; a digest (`…@sha256:…`) as it is; none → `latest`. */
export function imageVersion(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : 'latest';
}

/**
 * `RUNNER_BACKEND=kubernetes` as a SandboxBackend, so the lifecycle (ServerHost: its SDK Client,
 * start/idle/crash, the log) stays the same: `start` makes the installation's objects and scales
 * its Deployment to one (KubernetesServers.ensure), waits for the pod to be ready, and returns a
 * "process" whose stdin/stdout are the JSON-RPC messages of a Streamable HTTP session with the
 * pod's bridge (newline-delimited JSON, as a stdio server speaks). `stop` scales to zero.
 *
 * Exits: the session ending (the pod restarted: 404 for the session; the bridge unreachable)
 * reports `exited`, which the lifecycle treats as a crash (restarted on next use). stderr is the
 * server's stderr as the bridge logged it (its `/log`, polled), so the installation's log shows it.
 */
export function createKubernetesBackend(options: KubernetesBackendOptions): SandboxBackend {
  const log = options.log.child({ component: 'kubernetes' });
  return {
    kind: 'kubernetes',
    limits: 'kubernetes (pod resources)',
    ...(options.bridgeImage ? { runsVersion: imageVersion(options.bridgeImage) } : {}),
    async start(input: SandboxSpec): Promise<SandboxedProcess> {
      const spec = parseSandboxSpec(input);
      if (!spec.owner)
        throw new AppError(
          'INVALID',
          'the kubernetes backend needs the spec owner (tenant, installation, variant)',
        );
      if (spec.packageDir)
        throw new AppError('INVALID', 'packaged servers are not supported by the kubernetes backend yet');
      const { owner } = spec;
      const workload: ServerWorkload = {
        tenantId: owner.tenantId,
        installationId: owner.installationId,
        variant: owner.variant,
        version: owner.version,
        label: owner.label,
        command: spec.command,
        args: spec.args,
        env: spec.env,
        network: spec.network,
      };
      const key = bridgeKey(options.ring, owner.installationId, owner.variant);
      await options.servers.ensure(workload, key);
      await options.servers.waitReady(owner.installationId, owner.variant, options.readyTimeoutMs);
      const url = (options.endpoint ?? ((i, v) => options.servers.endpoint(i, v)))(
        owner.installationId,
        owner.variant,
      );
      log.info({ server: spec.id, url }, 'kubernetes server ready');
      return connectSession(url, key, options.logPollMs ?? 2_000, () =>
        options.servers.scaleToZero(owner.installationId, owner.variant),
      );
    },
  };
}

/** The pod's Streamable HTTP session as a process with stdio pipes. */
function connectSession(
  url: string,
  key: string,
  logPollMs: number,
  scaleToZero: () => Promise<void>,
): SandboxedProcess {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let settle!: (exit: SandboxExit) => void;
  const exited = new Promise<SandboxExit>((resolve) => (settle = resolve));
  let done = false;
  const finish = (exit: SandboxExit) => {
    if (done) return;
    done = true;
    clearInterval(logs);
    stdout.end();
    stderr.end();
    void transport.close().catch(() => {});
    settle(exit);
  };
  const gone = (detail: string) => finish({ reason: 'exited', code: null, signal: null, detail });
  const initializeIds = new Set<string | number>();

  transport.onmessage = (message) => {
    const result = (message as { id?: string | number; result?: { protocolVersion?: unknown } }).result;
    const id = (message as { id?: string | number }).id;
    if (id !== undefined && initializeIds.delete(id) && typeof result?.protocolVersion === 'string')
      transport.setProtocolVersion(result.protocolVersion);
    if (!done) stdout.write(`${JSON.stringify(message)}\n`);
  };
  transport.onerror = () => {};
  transport.onclose = () => gone('the session with the server pod ended');

  let buffered = '';
  const send = (message: JSONRPCMessage) => {
    const request = 'id' in message && 'method' in message ? message : undefined;
    const id = request?.id;
    if (id !== undefined && request?.method === 'initialize') initializeIds.add(id);
    transport.send(message).catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      if (id !== undefined && !done)
        stdout.write(
          `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: `the server pod is unreachable: ${text}` } })}\n`,
        );
      // The pod is gone (nothing answers: no ready pod behind the Service) or is a new one that
      // does not know the session (404): the server the lifecycle knew is gone; it starts again.
      const status = (error as { code?: unknown }).code; // StreamableHTTPError's HTTP status
      if (typeof status !== 'number' || status === 404) gone(`the server pod went away (${text})`);
    });
  };
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        if (!line.trim()) continue;
        let parsed;
        try {
          parsed = JSONRPCMessageSchema.safeParse(JSON.parse(line));
        } catch {
          continue; // the lifecycle writes only JSON-RPC: nothing else to forward
        }
        if (parsed.success) send(parsed.data);
      }
      callback();
    },
    final(callback) {
      // stdin closed: the lifecycle is stopping the server.
      callback();
    },
  });
  void transport.start();
  const logs = copyLog(url.replace(/\/mcp$/, '/log'), key, stderr, logPollMs);

  const stop = async (): Promise<SandboxExit> => {
    stdin.destroy();
    await transport.terminateSession().catch(() => {});
    await scaleToZero().catch(() => {});
    finish({ reason: 'exited', code: 0, signal: null, detail: 'scaled to zero' });
    return exited;
  };
  return {
    pid: undefined,
    stdin,
    stdout,
    stderr,
    exited,
    stop,
    kill() {
      void scaleToZero().catch(() => {});
      finish({
        reason: 'signal',
        code: null,
        signal: 'SIGKILL',
        detail: 'stopped by the runner (scaled to zero)',
      });
    },
  };
}

/** Copies the bridge's log lines of the server's stderr into `stderr`, each once, until cleared. */
function copyLog(url: string, key: string, stderr: PassThrough, everyMs: number): NodeJS.Timeout {
  let lastTime = '';
  let atLastTime = new Set<string>();
  let busy = false;
  const poll = async () => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(Math.max(everyMs, 1_000)),
    });
    if (!response.ok) return;
    for (const text of (await response.text()).split('\n')) {
      if (!text) continue;
      const entry = JSON.parse(text) as { time: string; stream: string; line: string };
      if (entry.stream !== 'stderr' || entry.time < lastTime) continue;
      if (entry.time === lastTime && atLastTime.has(entry.line)) continue;
      if (entry.time > lastTime) {
        lastTime = entry.time;
        atLastTime = new Set();
      }
      atLastTime.add(entry.line);
      if (!stderr.writableEnded) stderr.write(`${entry.line}\n`);
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch(() => {}) // the pod is going or gone: the session's end says so
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return timer;
}
