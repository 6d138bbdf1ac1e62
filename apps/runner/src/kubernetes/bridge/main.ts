import { createLogger } from '@toolgate/core/logger';
import { parseEnv } from '@toolgate/core/env';
import { createProcessBackend } from '../../sandbox/process-backend.ts';
import { ZBridgeEnv, rawBridgeEnv } from './env.ts';
import { buildBridge, readBridgeSecret } from './serve-bridge.ts';

/**
 * The bridge image's entry point (docker/Dockerfile, target `bridge`): serves the one stdio
 * server its pod was made for, until SIGTERM.
 */
async function main(): Promise<void> {
  const env = parseEnv(ZBridgeEnv, rawBridgeEnv());
  const log = createLogger({ name: 'toolgate-bridge', level: env.LOG_LEVEL });
  const secret = await readBridgeSecret(env.TOOLGATE_BRIDGE_SECRET_DIR);
  log.info('the pod is the isolation boundary (non-root, read-only root, no capabilities, NetworkPolicy)');
  const bridge = buildBridge({
    env,
    serverEnv: secret.env,
    key: secret.key,
    backend: createProcessBackend({ log }),
    log,
  });
  await new Promise<void>((resolve, reject) => {
    bridge.server.once('error', reject);
    bridge.server.listen(env.TOOLGATE_BRIDGE_PORT, env.TOOLGATE_BRIDGE_HOST, resolve);
  });
  log.info({ port: env.TOOLGATE_BRIDGE_PORT, server: env.TOOLGATE_BRIDGE_NAME }, 'bridge listening');
  const stop = () => {
    void bridge
      .close()
      .then(() => bridge.server.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`toolgate-bridge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
