import { parseEnv, zLogLevel, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

export const ZWebEnv = z.object({
  DATABASE_URL: zPostgresUrl,
  REDIS_URL: zRedisUrl.optional(),
  LOG_LEVEL: zLogLevel.default('info'),
  PUBLIC_WEB_URL: z.string().url().default('http://localhost:3000'),
  PUBLIC_MCP_URL: z.string().url().default('http://localhost:4000'),
});
export type WebEnv = z.infer<typeof ZWebEnv>;

let cached: WebEnv | undefined;

/**
 * Parsed lazily: `next build` imports route modules without a runtime environment. The process
 * that serves (the `toolgate web`/`start` command) validates the same schema before listening.
 */
export function webEnv(): WebEnv {
  return (cached ??= parseEnv(ZWebEnv, process.env));
}
