import { join } from 'node:path';
import type { Logger } from '@toolgate/core/logger';
import { packagedCommand } from '../packages/packaged-command.ts';
import type { PackageInstaller } from '../packages/package-installer.ts';
import type { SandboxBackend, SandboxLimits, SandboxSpec } from '../sandbox/sandbox-spec.ts';
import { createWorkDir } from '../sandbox/work-dir.ts';
import type { ServerVariant, StdioInstallation } from '../registry/load-installation.ts';
import type { Backoff } from './backoff.ts';
import { type ServerDefinition, ServerHost } from './server-host.ts';

export interface ServerHostsOptions {
  backend: SandboxBackend;
  log: Logger;
  /** Loads (and checks the tenant of) an installation; throws AppError NOT_FOUND / CONFLICT. */
  load(tenantId: string, installationId: string, variant: ServerVariant): Promise<StdioInstallation>;
  /** Installs packaged entries' packages (the per-version cache). */
  installer: PackageInstaller;
  /** Records the package version a stable server runs (installations.package_version). */
  recordVersion(tenantId: string, installationId: string, version: string): Promise<void>;
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
 * The runner's servers, one ServerHost per (tenant, installation, variant): an installation's
 * canary is a server of its own next to the stable one (its own process, work dir and log). A host
 * exists only after the database said the installation belongs to the tenant (and, for a canary,
 * that it has one); each start reads the installation again.
 */
export class ServerHosts {
  private readonly hosts = new Map<string, Promise<ServerHost>>();

  constructor(private readonly options: ServerHostsOptions) {}

  /** The host of an installation of this tenant; rejects with AppError for anything else. */
  get(tenantId: string, installationId: string, variant: ServerVariant = 'stable'): Promise<ServerHost> {
    const key = hostKey(tenantId, installationId, variant);
    let host = this.hosts.get(key);
    if (!host) {
      host = this.create(tenantId, installationId, variant);
      this.hosts.set(key, host);
      host.catch(() => this.hosts.delete(key));
    }
    return host;
  }

  /** Already created (no database read): for sessions, which exist only after `get` succeeded. */
  async existing(
    tenantId: string,
    installationId: string,
    variant: ServerVariant = 'stable',
  ): Promise<ServerHost | undefined> {
    return this.hosts.get(hostKey(tenantId, installationId, variant))?.catch(() => undefined);
  }

  async stopAll(why: string): Promise<void> {
    const hosts = await Promise.all([...this.hosts.values()].map((h) => h.catch(() => undefined)));
    await Promise.all(hosts.map((h) => (h ? h.stop(why) : Promise.resolve())));
  }

  private async create(
    tenantId: string,
    installationId: string,
    variant: ServerVariant,
  ): Promise<ServerHost> {
    const first = await this.options.load(tenantId, installationId, variant);
    const o = this.options;
    // Two servers of one installation side by side: distinct cgroup names and work dirs.
    const serverId = variant === 'canary' ? `${installationId}-canary` : installationId;
    const host: ServerHost = new ServerHost({
      name: variant === 'canary' ? `${first.label} (canary)` : first.label,
      backend: o.backend,
      log: o.log,
      idleStopMs: o.idleStopMs,
      startTimeoutMs: o.startTimeoutMs,
      callTimeoutMs: o.callTimeoutMs,
      pingIntervalMs: o.pingIntervalMs,
      maxStdoutBytes: o.maxStdoutBytes,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      prepare: async (): Promise<ServerDefinition> => {
        const current = await o.load(tenantId, installationId, variant);
        const workDir = await createWorkDir(join(o.dataDir, 'servers'), serverId);
        const spec: SandboxSpec = {
          id: serverId,
          command: current.command ?? '',
          args: current.args,
          env: current.env,
          workDir,
          network: current.network,
          limits: o.limits,
          readOnlyPaths: o.readOnlyPaths,
          // The Kubernetes backend labels what it creates with it; the others ignore it.
          owner: { tenantId, installationId, variant, label: current.label },
        };
        if (!current.package) {
          // A command's version is the image's where the backend runs one (Kubernetes).
          const runs = o.backend.runsVersion;
          return {
            secretValues: current.secretValues,
            spec: runs ? { ...spec, owner: { ...spec.owner!, version: runs } } : spec,
            ...(runs && variant === 'stable'
              ? { started: () => o.recordVersion(tenantId, installationId, runs) }
              : {}),
          };
        }
        const packaged = await packagedCommand({
          installer: o.installer,
          backend: o.backend,
          source: current.package,
          command: current.command,
          args: current.args,
          env: current.env,
        });
        host.log.note(`running ${current.package.name}@${packaged.version}`);
        return {
          secretValues: current.secretValues,
          spec: {
            ...spec,
            command: packaged.command,
            args: packaged.args,
            env: packaged.env,
            packageDir: packaged.packageDir,
            owner: { tenantId, installationId, variant, version: packaged.version, label: current.label },
          },
          ...(variant === 'stable'
            ? { started: () => o.recordVersion(tenantId, installationId, packaged.version) }
            : {}),
        };
      },
    });
    return host;
  }
}

const hostKey = (tenantId: string, installationId: string, variant: ServerVariant) =>
  `${tenantId}/${installationId}/${variant}`;
