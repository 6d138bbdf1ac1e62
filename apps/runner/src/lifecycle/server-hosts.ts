import { join } from 'node:path';
import type { Logger } from '@toolgate/core/logger';
import type { SandboxBackend, SandboxLimits } from '../sandbox/sandbox-spec.ts';
import { createWorkDir } from '../sandbox/work-dir.ts';
import type { StdioInstallation } from '../registry/load-installation.ts';
import type { Backoff } from './backoff.ts';
import { ServerHost } from './server-host.ts';

export interface ServerHostsOptions {
  backend: SandboxBackend;
  log: Logger;
  /** Loads (and checks the tenant of) an installation; throws AppError NOT_FOUND / CONFLICT. */
  load(tenantId: string, installationId: string): Promise<StdioInstallation>;
  dataDir: string;
  readOnlyPaths: string[];
  limits: SandboxLimits;
  idleStopMs: number;
  startTimeoutMs: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  maxStdoutBytes: number;
  backoff?: Partial<Backoff>;
}

/**
 * The runner's servers, one ServerHost per (tenant, installation). A host exists only after the
 * database said the installation belongs to the tenant; each start reads the installation again.
 */
export class ServerHosts {
  private readonly hosts = new Map<string, Promise<ServerHost>>();

  constructor(private readonly options: ServerHostsOptions) {}

  /** The host of an installation of this tenant; rejects with AppError for anything else. */
  get(tenantId: string, installationId: string): Promise<ServerHost> {
    const key = `${tenantId}/${installationId}`;
    let host = this.hosts.get(key);
    if (!host) {
      host = this.create(tenantId, installationId);
      this.hosts.set(key, host);
      host.catch(() => this.hosts.delete(key));
    }
    return host;
  }

  /** Already created (no database read): for sessions, which exist only after `get` succeeded. */
  async existing(tenantId: string, installationId: string): Promise<ServerHost | undefined> {
    return this.hosts.get(`${tenantId}/${installationId}`)?.catch(() => undefined);
  }

  async stopAll(why: string): Promise<void> {
    const hosts = await Promise.all([...this.hosts.values()].map((h) => h.catch(() => undefined)));
    await Promise.all(hosts.map((h) => (h ? h.stop(why) : Promise.resolve())));
  }

  private async create(tenantId: string, installationId: string): Promise<ServerHost> {
    const first = await this.options.load(tenantId, installationId);
    const o = this.options;
    return new ServerHost({
      name: first.label,
      backend: o.backend,
      log: o.log,
      idleStopMs: o.idleStopMs,
      startTimeoutMs: o.startTimeoutMs,
      callTimeoutMs: o.callTimeoutMs,
      pingIntervalMs: o.pingIntervalMs,
      maxStdoutBytes: o.maxStdoutBytes,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      prepare: async () => {
        const current = await o.load(tenantId, installationId);
        const workDir = await createWorkDir(join(o.dataDir, 'servers'), installationId);
        return {
          secretValues: current.secretValues,
          spec: {
            id: installationId,
            command: current.command,
            args: current.args,
            env: current.env,
            workDir,
            network: current.network,
            limits: o.limits,
            readOnlyPaths: o.readOnlyPaths,
          },
        };
      },
    });
  }
}
