import type { KubernetesLayout, ServerWorkload } from '../manifests.ts';

/** A layout and a workload as the runner's defaults make them, for tests to vary. */
export const LAYOUT: KubernetesLayout = {
  namespace: 'toolgate-servers',
  owner: 'tg',
  bridgeImage: 'ghcr.io/example/toolgate-bridge:1.2.3',
  bridgeImagePullPolicy: 'IfNotPresent',
  bridgePort: 8080,
  limits: { memoryBytes: 512 * 1024 * 1024, cpuPercent: 50, maxProcesses: 128 },
  ingressFrom: { podLabels: { 'app.kubernetes.io/component': 'runner' }, namespace: undefined },
  egressExcept: [],
  workDirSizeLimit: '1Gi',
};

export const workload = (overrides: Partial<ServerWorkload> = {}): ServerWorkload => ({
  tenantId: '0d9c5a8e-3b1f-4c55-9a0e-6f1d2b3c4d5e',
  installationId: '6b8f2c1a-7d4e-4f3a-8b2c-1e9d0a7f6c5b',
  variant: 'stable',
  version: '2026.8.31',
  label: 'server-everything',
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-everything'],
  env: { API_TOKEN: 'sekret-value', MODE: 'stdio' },
  network: 'none',
  ...overrides,
});
