import type { ControlPlaneDeps } from '@toolgate/api/deps';
import { createMailer } from '@toolgate/api/mail/create-mailer';
import type { Mailer } from '@toolgate/api/mail/mailer';
import { ConfigRelay } from '@toolgate/auth/config-delivery';
import { createBus, type Bus } from '@toolgate/bus';
import { parseKeyRing, type KeyRing } from '@toolgate/core/crypto';
import { createLogger, type Logger } from '@toolgate/core/logger';
import { createDb, type DbHandle } from '@toolgate/db/client';
import { RunnerDirectory, type RunnerAccess } from '@toolgate/mcp/runner-routing';
import { runnerKey } from '@toolgate/core/runner-auth';
import { webEnv, webBilling, webPlans } from '../env.ts';

interface WebContext {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** SMTP when SMTP_URL is set; otherwise reset and invitation links are logged. */
  mailer: Mailer;
  /** Seals and opens installation credentials; absent when no key ring is configured. */
  secretKeys?: KeyRing;
  /** TOOLGATE_RUNNERS (with a key ring): the live runners, for discovery and server logs. */
  runners?: RunnerAccess;
}

const KEY = Symbol.for('toolgate.web.context');
type GlobalWithContext = typeof globalThis & { [KEY]?: WebContext };

/** Process-wide handles for route handlers; created on first use, survive hot reloads. */
export function webContext(): WebContext {
  const g = globalThis as GlobalWithContext;
  if (!g[KEY]) {
    const env = webEnv();
    const log = createLogger({ name: 'web', level: env.LOG_LEVEL });
    const bus = createBus({ redisUrl: env.REDIS_URL });
    const secretKeys = env.TOOLGATE_SECRET_KEYS ? parseKeyRing(env.TOOLGATE_SECRET_KEYS) : undefined;
    let runners: RunnerAccess | undefined;
    if (env.TOOLGATE_RUNNERS && secretKeys) {
      const directory = new RunnerDirectory(bus.runners, {
        onError: (err) => log.warn({ err }, 'could not read the live runners'),
      });
      void directory.start();
      runners = { directory, key: runnerKey(secretKeys) };
    }
    g[KEY] = {
      db: createDb({
        url: env.DATABASE_URL,
        applicationName: 'toolgate-web',
        queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      }),
      bus,
      log,
      mailer: createMailer({
        smtpUrl: env.SMTP_URL,
        from: env.MAIL_FROM,
        outboxDir: env.TOOLGATE_MAIL_OUTBOX_DIR,
        log,
      }),
      ...(secretKeys ? { secretKeys } : {}),
      ...(runners ? { runners } : {}),
    };
    // Changes this process saved while Redis was unreachable reach the proxies once it is back
    // (workers run a relay too; delivering twice is harmless).
    new ConfigRelay({ db: g[KEY].db.db, bus: g[KEY].bus, log }).start();
  }
  return g[KEY];
}

/** What the control plane needs from this process, for tRPC and REST alike. */
export function controlPlaneDeps(): ControlPlaneDeps {
  const { db, bus, log, secretKeys, mailer, runners } = webContext();
  const env = webEnv();
  return {
    db: db.db,
    bus,
    log,
    secretKeys,
    mailer,
    publicMcpUrl: env.PUBLIC_MCP_URL,
    publicWebUrl: env.PUBLIC_WEB_URL,
    allowPrivateUpstreams: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    allowStdio: env.TOOLGATE_ALLOW_STDIO || runners !== undefined,
    plans: webPlans(),
    ...(webBilling() ? { billing: webBilling() } : {}),
    ...(runners ? { runners } : {}),
    ...(env.TOOLGATE_NPM_REGISTRY ? { npmRegistry: { registryUrl: env.TOOLGATE_NPM_REGISTRY } } : {}),
  };
}
