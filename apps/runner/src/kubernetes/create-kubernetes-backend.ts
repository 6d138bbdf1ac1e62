import { KubeConfig } from '@kubernetes/client-node';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import type { RunnerEnv } from '../env.ts';
import type { SandboxBackend } from '../sandbox/sandbox-spec.ts';
import { createKubernetesBackend } from './kubernetes-backend.ts';
import { KubernetesServers } from './kubernetes-servers.ts';
import { liveServers } from './live-servers.ts';
import type { KubernetesLayout } from './manifests.ts';

/** The layout of the servers' objects from RUNNER_KUBERNETES_* (env.ts requires namespace and image). */
export function layoutFromEnv(env: RunnerEnv): KubernetesLayout {
  return {
    namespace: env.RUNNER_KUBERNETES_NAMESPACE!,
    owner: env.RUNNER_KUBERNETES_OWNER,
    bridgeImage: env.RUNNER_KUBERNETES_BRIDGE_IMAGE!,
    bridgeImagePullPolicy: env.RUNNER_KUBERNETES_BRIDGE_PULL_POLICY,
    bridgePort: env.RUNNER_KUBERNETES_BRIDGE_PORT,
    limits: {
      memoryBytes: env.RUNNER_MEMORY_BYTES,
      cpuPercent: env.RUNNER_CPU_PERCENT,
      maxProcesses: env.RUNNER_MAX_PROCESSES,
    },
    ingressFrom: {
      podLabels: env.RUNNER_KUBERNETES_INGRESS_FROM,
      namespace: env.RUNNER_KUBERNETES_INGRESS_NAMESPACE,
    },
    egressExcept: env.RUNNER_KUBERNETES_EGRESS_EXCEPT,
    workDirSizeLimit: env.RUNNER_KUBERNETES_WORK_DIR_SIZE,
  };
}

/**
 * RUNNER_BACKEND=kubernetes: the reconciler on the cluster kubectl would use (KUBECONFIG,
 * ~/.kube/config, or the pod's service account), its garbage collected against the installations
 * in Postgres at start and every RUNNER_KUBERNETES_GC_INTERVAL_MS (objects of an installation
 * deleted since, or of a canary ended, go within that interval), and the backend the lifecycle
 * starts servers with. `stop` ends the periodic collection.
 */
export async function startKubernetesBackend(options: {
  env: RunnerEnv;
  db: Database;
  ring: KeyRing;
  log: Logger;
  config?: KubeConfig;
}): Promise<{ backend: SandboxBackend; servers: KubernetesServers; stop(): void }> {
  const { env, log } = options;
  const config =
    options.config ??
    (() => {
      const loaded = new KubeConfig();
      loaded.loadFromDefault();
      return loaded;
    })();
  const servers = new KubernetesServers({ config, layout: layoutFromEnv(env), log });
  const deleted = await servers.collectGarbage(await liveServers(options.db));
  log.info({ namespace: env.RUNNER_KUBERNETES_NAMESPACE, collected: deleted }, 'kubernetes backend ready');
  const backend = createKubernetesBackend({
    servers,
    ring: options.ring,
    log,
    readyTimeoutMs: env.RUNNER_KUBERNETES_READY_TIMEOUT_MS,
    bridgeImage: env.RUNNER_KUBERNETES_BRIDGE_IMAGE!,
  });
  const interval = env.RUNNER_KUBERNETES_GC_INTERVAL_MS;
  let collecting = false;
  const timer =
    interval > 0
      ? setInterval(() => {
          if (collecting) return;
          collecting = true;
          // Only objects older than one interval: one made after the read below is never taken.
          liveServers(options.db)
            .then((live) => servers.collectGarbage(live, { olderThanMs: interval }))
            .catch((err: unknown) =>
              log.warn({ err }, 'kubernetes: garbage collection failed; next pass retries'),
            )
            .finally(() => (collecting = false));
        }, interval)
      : undefined;
  timer?.unref();
  return { backend, servers, stop: () => clearInterval(timer) };
}
