import { zLogLevel, zPort } from '@toolgate/core/env';
import { z } from 'zod';

const MiB = 1024 * 1024;

/**
 * The bridge's configuration (`RUNNER_MODE=bridge`, inside a server's pod): the Deployment the
 * runner made sets these (manifests.ts); the server's environment and the bridge key are files of
 * the pod's Secret, never variables of the bridge.
 */
export const ZBridgeEnv = z.object({
  TOOLGATE_BRIDGE_COMMAND: z.string().min(1),
  /** The arguments, as a JSON array of strings. */
  TOOLGATE_BRIDGE_ARGS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        const value: unknown = JSON.parse(text);
        if (Array.isArray(value) && value.every((a) => typeof a === 'string')) return value;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings' });
      return z.NEVER;
    }),
  TOOLGATE_BRIDGE_NAME: z.string().min(1).default('server'),
  TOOLGATE_BRIDGE_HOST: z.string().min(1).default('0.0.0.0'),
  TOOLGATE_BRIDGE_PORT: zPort.default(8080),
  /** The Secret's folder: `server-env.json` (the server's environment) and `bridge-key`. */
  TOOLGATE_BRIDGE_SECRET_DIR: z.string().startsWith('/').default('/etc/toolgate-bridge'),
  /** Writable (an emptyDir): the server's work dir is made under it. */
  TOOLGATE_BRIDGE_WORK_DIR: z.string().startsWith('/').default('/home/server'),
  RUNNER_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  RUNNER_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  RUNNER_PING_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  RUNNER_SESSION_IDLE_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  RUNNER_MAX_STDOUT_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * MiB),
  RUNNER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * MiB),
  LOG_LEVEL: zLogLevel.default('info'),
});
export type BridgeEnv = z.infer<typeof ZBridgeEnv>;

/** This process's environment, unparsed (the one place the bridge reads it). */
export const rawBridgeEnv = (): Record<string, string | undefined> => process.env;
