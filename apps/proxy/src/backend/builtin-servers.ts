import type { ManagementResult, ManagementServer } from '@toolgate/api/management';
import type { Bus } from '@toolgate/bus';
import { parseKeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { DbHandle } from '@toolgate/db/client';
import type { Principal } from '../mcp-call.ts';
import type { ProxyEnv } from '../env.ts';

export interface BuiltinServersDeps {
  db: DbHandle;
  bus: Bus;
  env: ProxyEnv;
  log: Logger;
}

/**
 * Servers Toolgate answers itself (registry transport `builtin`): today the management server
 * `toolgate`, whose tools run the control plane's REST routes in-process as the caller. Loaded
 * on the first call, so a proxy whose gateways never assign it carries none of that code.
 */
export class BuiltinServers {
  private management?: Promise<ManagementServer>;

  constructor(private readonly deps: BuiltinServersDeps) {}

  async call(principal: Principal, toolName: string, args: unknown): Promise<ManagementResult> {
    this.management ??= this.loadManagement();
    const server = await this.management;
    return server.call(
      {
        tenantId: principal.tenantId,
        userId: principal.userId,
        ...(principal.tokenId ? { tokenId: principal.tokenId } : {}),
      },
      toolName,
      args,
    );
  }

  private async loadManagement(): Promise<ManagementServer> {
    const { db, bus, env, log } = this.deps;
    const [{ ManagementServer }, { createMailer }] = await Promise.all([
      import('@toolgate/api/management'),
      import('@toolgate/api/mail/create-mailer'),
    ]);
    return new ManagementServer(
      {
        db: db.db,
        bus,
        publicMcpUrl: env.PUBLIC_MCP_URL,
        publicWebUrl: env.PUBLIC_WEB_URL,
        // No management tool sends mail; were one to, the link would go to the log.
        mailer: createMailer({ log }),
        secretKeys: parseKeyRing(env.TOOLGATE_SECRET_KEYS),
        allowPrivateUpstreams: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
        allowStdio: env.TOOLGATE_ALLOW_STDIO,
        log,
      },
      log,
    );
  }
}
