import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';

/** What the REST API needs from its host (the web app, or a test). */
export interface RestDeps {
  db: Database;
  bus: Bus;
  /** Public origin of the MCP proxy; gateway URLs are `${publicMcpUrl}/mcp/{tenant}/{gateway}`. */
  publicMcpUrl: string;
  /** TOOLGATE_SECRET_KEYS: seals and opens installation credentials. */
  secretKeys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: discovery may reach private and loopback addresses. */
  allowPrivateUpstreams?: boolean;
  /** TOOLGATE_ALLOW_STDIO: local (stdio) servers may be registered, installed and discovered. Default: no. */
  allowStdio?: boolean;
  /** Where the API is mounted; default "/api/v1". */
  basePath?: string;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Unexpected (500) errors are logged here. */
  log?: Logger;
}
