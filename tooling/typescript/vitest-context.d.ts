import 'vitest';

// Values chosen by tooling/vitest/global-setup.ts for integration tests.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the Postgres server for tests; '' = use embedded PGlite. */
    postgresUrl: string;
    /** '' = Redis unavailable: Redis-only tests skip, the in-process bus is used. */
    redisUrl: string;
  }
}
