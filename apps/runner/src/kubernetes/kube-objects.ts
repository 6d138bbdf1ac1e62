import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1NetworkPolicy,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { Manifest } from './manifests.ts';

/**
 * The few API calls the reconciler makes, per kind, over @kubernetes/client-node: read, create,
 * replace (PUT, with the resourceVersion read), merge-patch, delete and list by label selector.
 * The Role in deploy/helm/toolgate grants exactly these verbs (get, create, update, patch,
 * delete, list) on these four resources.
 */
export type Kind = 'Secret' | 'Service' | 'NetworkPolicy' | 'Deployment';

/** What the reconciler reads of an object (the client's typed models, seen through this). */
export interface Observed {
  metadata?: {
    name?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    creationTimestamp?: string | Date;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KindClient {
  kind: Kind;
  read(name: string): Promise<Observed>;
  create(body: Manifest): Promise<Observed>;
  replace(name: string, body: Manifest): Promise<Observed>;
  mergePatch(name: string, patch: object): Promise<Observed>;
  delete(name: string): Promise<void>;
  list(labelSelector: string): Promise<Observed[]>;
}

/** The HTTP status of a failed API call (409, 404, …), or undefined for anything else. */
export const statusOf = (error: unknown): number | undefined =>
  error instanceof ApiException ? (error as ApiException<unknown>).code : undefined;

/** The API server's own message (a Status' `message`), for errors shown to people. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiException) {
    const body = (error as ApiException<unknown>).body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    const message = (parsed as { message?: unknown } | undefined)?.message;
    return `${String((error as ApiException<unknown>).code)} ${typeof message === 'string' ? message : error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const asObserved = (value: unknown) => value as Observed;
/** The manifests are plain JSON of the same shape as the client's typed models. */
const typed = <T>(manifest: Manifest) => manifest as unknown as T;

export function kindClients(config: KubeConfig, namespace: string): Record<Kind, KindClient> {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const networking = config.makeApiClient(NetworkingV1Api);
  const ns = { namespace };
  return {
    Secret: {
      kind: 'Secret',
      read: async (name) => asObserved(await core.readNamespacedSecret({ ...ns, name })),
      create: async (m) => asObserved(await core.createNamespacedSecret({ ...ns, body: typed<V1Secret>(m) })),
      replace: async (name, m) =>
        asObserved(await core.replaceNamespacedSecret({ ...ns, name, body: typed<V1Secret>(m) })),
      mergePatch: async (name, p) =>
        asObserved(await core.patchNamespacedSecret({ ...ns, name, body: p }, merge)),
      delete: async (name) => void (await core.deleteNamespacedSecret({ ...ns, name })),
      list: async (labelSelector) =>
        (await core.listNamespacedSecret({ ...ns, labelSelector })).items.map(asObserved),
    },
    Service: {
      kind: 'Service',
      read: async (name) => asObserved(await core.readNamespacedService({ ...ns, name })),
      create: async (m) =>
        asObserved(await core.createNamespacedService({ ...ns, body: typed<V1Service>(m) })),
      replace: async (name, m) =>
        asObserved(await core.replaceNamespacedService({ ...ns, name, body: typed<V1Service>(m) })),
      mergePatch: async (name, p) =>
        asObserved(await core.patchNamespacedService({ ...ns, name, body: p }, merge)),
      delete: async (name) => void (await core.deleteNamespacedService({ ...ns, name })),
      list: async (labelSelector) =>
        (await core.listNamespacedService({ ...ns, labelSelector })).items.map(asObserved),
    },
    NetworkPolicy: {
      kind: 'NetworkPolicy',
      read: async (name) => asObserved(await networking.readNamespacedNetworkPolicy({ ...ns, name })),
      create: async (m) =>
        asObserved(
          await networking.createNamespacedNetworkPolicy({ ...ns, body: typed<V1NetworkPolicy>(m) }),
        ),
      replace: async (name, m) =>
        asObserved(
          await networking.replaceNamespacedNetworkPolicy({ ...ns, name, body: typed<V1NetworkPolicy>(m) }),
        ),
      mergePatch: async (name, p) =>
        asObserved(await networking.patchNamespacedNetworkPolicy({ ...ns, name, body: p }, merge)),
      delete: async (name) => void (await networking.deleteNamespacedNetworkPolicy({ ...ns, name })),
      list: async (labelSelector) =>
        (await networking.listNamespacedNetworkPolicy({ ...ns, labelSelector })).items.map(asObserved),
    },
    Deployment: {
      kind: 'Deployment',
      read: async (name) => asObserved(await apps.readNamespacedDeployment({ ...ns, name })),
      create: async (m) =>
        asObserved(await apps.createNamespacedDeployment({ ...ns, body: typed<V1Deployment>(m) })),
      replace: async (name, m) =>
        asObserved(await apps.replaceNamespacedDeployment({ ...ns, name, body: typed<V1Deployment>(m) })),
      mergePatch: async (name, p) =>
        asObserved(await apps.patchNamespacedDeployment({ ...ns, name, body: p }, merge)),
      // Background: the ReplicaSets and pods go with it (the garbage collector's owner references).
      delete: async (name) =>
        void (await apps.deleteNamespacedDeployment({ ...ns, name, propagationPolicy: 'Background' })),
      list: async (labelSelector) =>
        (await apps.listNamespacedDeployment({ ...ns, labelSelector })).items.map(asObserved),
    },
  };
}
