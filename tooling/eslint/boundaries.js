/**
 * The package table of ARCHITECTURE.md ("Packages"), enforced with `no-restricted-imports`: which
 * workspace packages each package may import, and which libraries stay with their one owner
 * (database drivers in db, Redis clients in bus, Next.js and React in apps/web). Each workspace's
 * eslint.config.js spreads `boundaries('<its name>')` after the base config.
 */

/** Workspace packages (`@toolgate/<name>`) each package may import besides itself. */
export const PACKAGE_TABLE = {
  core: [],
  net: ['core'],
  db: ['core'],
  bus: ['core'],
  mcp: ['core', 'net'],
  auth: ['core', 'db', 'bus', 'net'],
  api: ['core', 'db', 'bus', 'net', 'auth', 'mcp'],
  // Real MCP servers for tests; imports nothing of ours.
  fixtures: [],
};

/** Processes: thin shells over the packages. Only the CLI, which starts the others, imports an app. */
const APPS = ['web', 'proxy', 'worker', 'runner', 'cli'];
const APP_TABLE = {
  web: ['core', 'net', 'db', 'bus', 'mcp', 'auth', 'api'],
  proxy: ['core', 'net', 'db', 'bus', 'mcp', 'auth', 'api'],
  worker: ['core', 'net', 'db', 'bus', 'mcp', 'auth', 'api'],
  runner: ['core', 'net', 'db', 'bus', 'mcp', 'auth'],
  cli: ['core', 'net', 'db', 'bus', 'mcp', 'auth', 'api', 'fixtures', 'web', 'proxy', 'worker', 'runner'],
};

/** Tests and test kits may also start real MCP servers, and api's may run real proxies. */
const TEST_EXTRAS = {
  api: ['fixtures', 'proxy/testing'],
  proxy: ['fixtures'],
  cli: ['fixtures'],
  default: ['fixtures'],
};

// `robustness/` is the proxy's fuzzer: test code that is not a test file.
const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', '**/robustness/**'];

const UI = {
  regex: '^(next|next-auth|react|react-dom|@trpc/client|@trpc/tanstack-react-query|@tanstack/.*)(/.*)?$',
  message: 'Next.js, next-auth and React belong in apps/web; packages stay framework-free.',
};
const DATABASE_DRIVER = {
  regex: '^(pg|pg-.*|@electric-sql/.*)(/.*)?$',
  message: 'Only packages/db opens database connections (ARCHITECTURE.md, "Data access").',
};
const REDIS_CLIENT = {
  regex: '^(ioredis|bullmq)(/.*)?$',
  message: 'Only packages/bus talks to Redis and BullMQ; use its interfaces.',
};
const QUERY_BUILDER = {
  regex: '^drizzle-orm(/.*)?$',
  message: 'Queries are built in packages/db, and by the services in auth and api (ARCHITECTURE.md).',
};
const TRPC_SERVER = {
  regex: '^@trpc/server(/.*)?$',
  message: 'tRPC routers live in packages/api (the web app mounts them).',
};
const MCP_SDK = {
  regex: '^@modelcontextprotocol/.*$',
  message: 'The MCP protocol layer is packages/mcp; core stays framework-free.',
};

/** Library rules per package, on top of the workspace table. */
const LIBRARIES = {
  core: [UI, DATABASE_DRIVER, REDIS_CLIENT, QUERY_BUILDER, TRPC_SERVER, MCP_SDK],
  net: [UI, DATABASE_DRIVER, REDIS_CLIENT, QUERY_BUILDER, TRPC_SERVER, MCP_SDK],
  db: [UI, REDIS_CLIENT, TRPC_SERVER, MCP_SDK],
  bus: [UI, DATABASE_DRIVER, QUERY_BUILDER, TRPC_SERVER, MCP_SDK],
  mcp: [UI, DATABASE_DRIVER, REDIS_CLIENT, QUERY_BUILDER, TRPC_SERVER],
  auth: [UI, DATABASE_DRIVER, REDIS_CLIENT, TRPC_SERVER],
  api: [UI, DATABASE_DRIVER, REDIS_CLIENT],
  fixtures: [UI, DATABASE_DRIVER, REDIS_CLIENT, QUERY_BUILDER, TRPC_SERVER],
  web: [DATABASE_DRIVER, REDIS_CLIENT],
  proxy: [UI, DATABASE_DRIVER, REDIS_CLIENT, TRPC_SERVER],
  worker: [UI, DATABASE_DRIVER, REDIS_CLIENT, TRPC_SERVER],
  runner: [UI, DATABASE_DRIVER, REDIS_CLIENT, TRPC_SERVER],
  cli: [UI, DATABASE_DRIVER, REDIS_CLIENT, TRPC_SERVER],
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `@toolgate/...` imports outside `allowed` (names, or name/subfolder prefixes) are refused. */
function workspaceRule(name, allowed, table) {
  const permitted = [name, ...allowed].map((entry) => `${escape(entry)}(?:/|$)`).join('|');
  const listed =
    allowed.length > 0 ? allowed.map((entry) => `@toolgate/${entry}`).join(', ') : 'nothing of ours';
  return {
    regex: `^@toolgate/(?!(?:${permitted}))`,
    message: `@toolgate/${name} may import ${listed} (${table}).`,
  };
}

function restrictions(name, { test }) {
  const isApp = APPS.includes(name);
  const base = isApp ? APP_TABLE[name] : PACKAGE_TABLE[name];
  if (!base) throw new Error(`boundaries: unknown workspace "${name}"`);
  const allowed = test ? [...base, ...(TEST_EXTRAS[name] ?? TEST_EXTRAS.default)] : base;
  const table = isApp
    ? 'apps import packages, not each other'
    : `ARCHITECTURE.md, "Packages"${test ? '; tests may also use fixtures' : ''}`;
  return ['error', { patterns: [workspaceRule(name, allowed, table), ...LIBRARIES[name]] }];
}

/** Flat-config entries enforcing the table for the workspace `name` (run from its own folder). */
export function boundaries(name) {
  return [
    { rules: { 'no-restricted-imports': restrictions(name, { test: false }) } },
    { files: TEST_FILES, rules: { 'no-restricted-imports': restrictions(name, { test: true }) } },
  ];
}
