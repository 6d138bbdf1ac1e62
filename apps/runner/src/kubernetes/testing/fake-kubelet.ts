import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '@toolgate/core/env';
import type { Logger } from '@toolgate/core/logger';
import { ZBridgeEnv } from '../bridge/env.ts';
import { type Bridge, buildBridge, readBridgeSecret } from '../bridge/serve-bridge.ts';
import { createProcessBackend } from '../../sandbox/process-backend.ts';
import type { FakeKubeApi } from './fake-kube-api.ts';

interface Pod {
  bridge: Bridge;
  url: string;
  dir: string;
  generation: number;
}

interface DeploymentShape {
  metadata: { name: string; namespace: string; generation: number };
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: { env: { name: string; value: string }[] }[];
        volumes: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
}

/**
 * Plays the Deployment controller and the kubelet for the fake API server, in-process: a
 * Deployment scaled to one gets a "pod", the REAL bridge (buildBridge) configured from the
 * Deployment's container env and the files of the Secret its volume names, as a pod would see
 * them; scaled to zero (or a new generation), the pod goes. What it does not do: images, the
 * security context, resources, probes, the NetworkPolicy (nothing here enforces them).
 */
export function startFakeKubelet(api: FakeKubeApi, log: Logger, pollMs = 20) {
  const pods = new Map<string, Pod>();
  let busy = Promise.resolve();

  async function startPod(d: DeploymentShape): Promise<Pod> {
    const container = d.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const secretName = d.spec.template.spec.volumes.find((v) => v.secret)!.secret!.secretName;
    const secret = api.objects('Secret').find((o) => o.metadata.name === secretName) as unknown as {
      data: Record<string, string>;
    };
    const dir = await mkdtemp(join(tmpdir(), 'tg-pod-'));
    const secretDir = join(dir, 'secret');
    await mkdir(secretDir);
    await mkdir(join(dir, 'work'));
    for (const [key, value] of Object.entries(secret.data))
      await writeFile(join(secretDir, key), Buffer.from(value, 'base64'));
    const parsed = parseEnv(ZBridgeEnv, {
      ...env,
      TOOLGATE_BRIDGE_HOST: '127.0.0.1',
      TOOLGATE_BRIDGE_PORT: '0',
      TOOLGATE_BRIDGE_SECRET_DIR: secretDir,
      TOOLGATE_BRIDGE_WORK_DIR: join(dir, 'work'),
    });
    const { env: serverEnv, key } = await readBridgeSecret(secretDir);
    const bridge = buildBridge({ env: parsed, serverEnv, key, backend: createProcessBackend({ log }), log });
    await new Promise<void>((resolve) => bridge.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(bridge.server.address() as AddressInfo).port}/mcp`;
    return { bridge, url, dir, generation: d.metadata.generation };
  }

  async function stopPod(name: string): Promise<void> {
    const pod = pods.get(name);
    if (!pod) return;
    pods.delete(name);
    await pod.bridge.close();
    pod.bridge.server.closeAllConnections();
    await new Promise((resolve) => pod.bridge.server.close(resolve));
    await rm(pod.dir, { recursive: true, force: true });
  }

  async function sync(): Promise<void> {
    const deployments = api.objects('Deployment') as unknown as DeploymentShape[];
    for (const name of pods.keys())
      if (!deployments.some((d) => d.metadata.name === name)) await stopPod(name);
    for (const d of deployments) {
      const pod = pods.get(d.metadata.name);
      if (pod && (d.spec.replicas === 0 || pod.generation !== d.metadata.generation))
        await stopPod(d.metadata.name);
      if (d.spec.replicas > 0 && !pods.has(d.metadata.name)) {
        pods.set(d.metadata.name, await startPod(d));
        api.markReady(d.metadata.namespace, d.metadata.name);
      }
      if (d.spec.replicas === 0) api.markReady(d.metadata.namespace, d.metadata.name);
    }
  }

  const timer = setInterval(() => {
    busy = busy.then(sync).catch((error: unknown) => log.error({ err: error }, 'fake kubelet'));
  }, pollMs);
  return {
    /** The pod's bridge URL (what the Service would route to). */
    urlOf: (name: string) => pods.get(name)?.url ?? 'http://127.0.0.1:9/mcp',
    running: () => [...pods.keys()],
    /** The pod dies and the kubelet starts a new one (a crash, an eviction). */
    async restart(name: string) {
      await (busy = busy.then(() => stopPod(name)));
    },
    async close() {
      clearInterval(timer);
      await busy;
      for (const name of [...pods.keys()]) await stopPod(name);
    },
  };
}
