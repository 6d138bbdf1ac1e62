import { generateKeySpec } from '@toolgate/core/crypto';
import { EnvError, parseEnv } from '@toolgate/core/env';
import { ZProxyEnv } from '@toolgate/proxy/env';
import { ZWebEnv } from '@toolgate/web/env';
import { ZWorkerEnv } from '@toolgate/worker/env';
import { describe, expect, it } from 'vitest';

const DATABASE_URL = 'postgres://db.internal:5432/toolgate';
const processes = {
  proxy: {
    schema: ZProxyEnv,
    base: {
      DATABASE_URL,
      TOOLGATE_SESSION_KEYS: generateKeySpec('s'),
      TOOLGATE_SECRET_KEYS: generateKeySpec('k'),
    },
    defaults: [3_000, 2_500],
  },
  worker: { schema: ZWorkerEnv, base: { DATABASE_URL }, defaults: [30_000, 25_000] },
  web: {
    schema: ZWebEnv,
    base: { DATABASE_URL, NEXTAUTH_SECRET: 'x'.repeat(32) },
    defaults: [15_000, 12_000],
  },
};

const issues = (parse: () => unknown): string[] => {
  try {
    parse();
    return [];
  } catch (err) {
    if (err instanceof EnvError) return err.issues;
    throw err;
  }
};

/** Each process's pool bounds (the CLI hands these to createDb). */
describe.each(Object.entries(processes))('%s env: database timeouts', (_, { schema, base, defaults }) => {
  it('bounds queries by default, the server-side timeout below the client-side one', () => {
    const env = parseEnv(schema, base);
    expect([env.DATABASE_QUERY_TIMEOUT_MS, env.DATABASE_STATEMENT_TIMEOUT_MS]).toEqual(defaults);
  });

  it('takes other bounds, and 0 for none', () => {
    const env = parseEnv(schema, {
      ...base,
      DATABASE_QUERY_TIMEOUT_MS: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
    });
    expect([env.DATABASE_QUERY_TIMEOUT_MS, env.DATABASE_STATEMENT_TIMEOUT_MS]).toEqual([0, 0]);
  });

  it('refuses a statement timeout that would not fire before the query timeout', () => {
    const found = issues(() =>
      parseEnv(schema, { ...base, DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' }),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^DATABASE_STATEMENT_TIMEOUT_MS: must be below DATABASE_QUERY_TIMEOUT_MS \(1000\), or 0/,
      ),
    ]);
  });
});
