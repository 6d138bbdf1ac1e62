import { EnvError } from '@toolgate/core/env';
import { bootstrapCommand } from './commands/bootstrap.ts';
import { migrateCommand } from './commands/migrate.ts';
import { proxyChildCommand } from './commands/proxy-child.ts';
import { rotateSigningKeyCommand } from './commands/rotate-signing-key.ts';
import { runnerCommand } from './commands/runner.ts';
import { serveCommand } from './commands/serve.ts';
import { tenantCommand } from './commands/tenant.ts';

const USAGE = `Usage: toolgate <command> [options]

Commands:
  start                 Run web, proxy and worker (embedded defaults): web and worker
                        in this process, the proxy in a child process it restarts
  web | proxy | worker  Run one component (distributed deployments)
  runner                Host self-hosted (stdio) servers for the proxies, sandboxed
                        (RUNNER_PORT, RUNNER_BACKEND; not part of start yet)
  migrate               Apply pending database migrations
  bootstrap --tenant <slug> --email <email> --password <pw> [--name <name>]
                        Create a tenant, its owner and an org admin API token;
                        prints {"tenant":"<slug>","adminToken":"tg_…"}
  rotate-signing-key [--drop-previous]
                        Replace the OAuth signing key now; --drop-previous also
                        refuses every token the old keys signed (compromise);
                        prints {"kid":"…","dropped":[…]}
  tenant show <slug>    A tenant's plan, each limit with where it comes from (plan or
                        override), and its counts; prints one JSON line
  tenant set-plan <slug> <plan|default>
                        Put a tenant on a configured plan, or back on the default
  tenant set-limits <slug> [--gateways N] [--installations N] [--members N]
        [--calls-per-month N] [--calls-per-minute N] [--calls-per-minute-per-token N]
        [--calls-per-minute-per-user N] [--audit-retention-days N]
                        Override limits over the plan; N: a whole number, "unlimited",
                        or "default" to remove the override (docs/billing.md)

Environment: DATABASE_URL, REDIS_URL (unset = embedded database / in-process bus),
HOST, WEB_PORT, PROXY_PORT, WORKER_PORT, TOOLGATE_DATA_DIR, LOG_LEVEL,
TOOLGATE_SECRET_KEYS, TOOLGATE_SESSION_KEYS, TOOLGATE_PLANS_FILE, TOOLGATE_PLANS,
TOOLGATE_DEFAULT_PLAN. See docs/operations.md and docs/billing.md.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return serveCommand(['web', 'proxy', 'worker']);
    case 'proxy':
      return rest[0] === '--supervised' ? proxyChildCommand() : serveCommand(['proxy']);
    case 'web':
    case 'worker':
      return serveCommand([command]);
    case 'runner':
      return runnerCommand();
    case 'migrate':
      return migrateCommand();
    case 'bootstrap':
      return bootstrapCommand(rest);
    case 'rotate-signing-key':
      return rotateSigningKeyCommand(rest);
    case 'tenant':
      return tenantCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 64 : 0;
    default:
      process.stderr.write(`toolgate: unknown command "${command}"\n\n${USAGE}`);
      return 64; // EX_USAGE
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Serving commands keep running until a signal; the others exit with their code.
    if (code !== -1) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof EnvError) {
      process.stderr.write(`toolgate: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`toolgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
