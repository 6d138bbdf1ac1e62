import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { BillingConfig } from '@toolgate/core/billing-config';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import type { RunnerAccess } from '@toolgate/mcp/runner-routing';
import type { Mailer } from './mail/mailer.ts';
import type { NpmRegistryOptions } from './services/installation-versions/npm-registry.ts';

/**
 * What the control plane needs from its host (the web app, or a test): one bag for the tRPC
 * procedures and the REST handlers alike, which hand the services what each one takes.
 */
export interface ControlPlaneDeps {
  db: Database;
  bus: Bus;
  /** Public origin of the MCP proxy; gateway URLs are `${publicMcpUrl}/mcp/{tenant}/{gateway}`. */
  publicMcpUrl: string;
  /** PUBLIC_WEB_URL: emailed links point here. */
  publicWebUrl: string;
  /** Sends invitation and password-reset links (SMTP, or the log when none is configured). */
  mailer: Mailer;
  /** TOOLGATE_SECRET_KEYS: seals and opens installation credentials; absent when none is configured. */
  secretKeys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: discovery may reach private and loopback addresses. Default: no. */
  allowPrivateUpstreams?: boolean;
  /**
   * Self-hosted (stdio) servers may be registered, installed and discovered: runners host them
   * (TOOLGATE_RUNNERS), or this host may start them itself (TOOLGATE_ALLOW_STDIO). Default: no.
   */
  allowStdio?: boolean;
  /** TOOLGATE_RUNNERS: discovery reaches self-hosted servers on the runner hosting them. */
  runners?: RunnerAccess;
  /** Where packaged servers' versions are looked up ("upgrade to …", canaries); default registry.npmjs.org. */
  npmRegistry?: NpmRegistryOptions;
  /**
   * TOOLGATE_PLANS(_FILE), TOOLGATE_DEFAULT_PLAN: the services refuse gateways, installations and
   * members over a tenant's plan. Absent: every tenant is unlimited.
   */
  plans?: PlansConfig;
  /** STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: Stripe billing (docs/billing.md). Absent: off. */
  billing?: BillingConfig;
  /** Unexpected (500) errors are logged here. */
  log?: Logger;
}
