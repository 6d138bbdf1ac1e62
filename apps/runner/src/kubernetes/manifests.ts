import { createHmac } from 'node:crypto';
import type { SandboxLimits } from '../sandbox/sandbox-spec.ts';
import { ANNOTATION, LABEL, MANAGED_BY, type Variant, labelValue, objectName } from './names.ts';

/**
 * The four objects of one installation's server on Kubernetes, as plain JSON (pure functions: the
 * reconciler writes them, the tests validate them against the Kubernetes schemas).
 */

/** One server to run: what the registry and the installation say, as for the sandbox. */
export interface ServerWorkload {
  tenantId: string;
  installationId: string;
  variant: Variant;
  /** The package version (or image tag) it runs: labelled `toolgate.dev/version`. */
  version: string | undefined;
  /** The registry entry's slug (an annotation, for people reading `kubectl get`). */
  label: string;
  command: string;
  args: string[];
  /** The server's whole environment, credentials included: it goes in the Secret only. */
  env: Record<string, string>;
  network: 'none' | 'egress';
}

export interface KubernetesLayout {
  namespace: string;
  /** `toolgate.dev/owner`: tells this Toolgate deployment's objects from another's. */
  owner: string;
  bridgeImage: string;
  bridgeImagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  bridgePort: number;
  limits: SandboxLimits;
  /** Pods allowed to reach the servers (the runners): their labels, and their namespace if another. */
  ingressFrom: { podLabels: Record<string, string>; namespace: string | undefined };
  /** CIDRs a server with `network: egress` still may not reach (the metadata address always). */
  egressExcept: string[];
  /** emptyDir bound of the server's work dir (its HOME). */
  workDirSizeLimit: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  [field: string]: unknown;
}

export interface ServerManifests {
  secret: Manifest;
  deployment: Manifest;
  service: Manifest;
  networkPolicy: Manifest;
}

/** Where the bridge finds its Secret's files, and what they are called. */
export const BRIDGE_SECRET_DIR = '/etc/toolgate-bridge';
export const SECRET_KEY = { env: 'server-env.json', bridgeKey: 'bridge-key' } as const;
export const METADATA_CIDRS = ['169.254.169.254/32'];
const METADATA_CIDRS_V6 = ['fd00:ec2::254/128'];
const SERVER_UID = 1000;

/** Labels every object of the installation carries; GC and `remove` select on them. */
export function ownerLabels(layout: Pick<KubernetesLayout, 'owner'>, installationId: string) {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.owner]: labelValue(layout.owner),
    [LABEL.installation]: labelValue(installationId),
  };
}

/** The Deployment's selector (immutable once created): installation and variant, never version. */
export function podSelector(
  layout: Pick<KubernetesLayout, 'owner'>,
  w: Pick<ServerWorkload, 'installationId' | 'variant'>,
) {
  return { ...ownerLabels(layout, w.installationId), [LABEL.variant]: w.variant };
}

function labelsOf(layout: KubernetesLayout, w: ServerWorkload): Record<string, string> {
  return {
    [LABEL.name]: 'toolgate-server',
    [LABEL.partOf]: 'toolgate',
    ...podSelector(layout, w),
    [LABEL.tenant]: labelValue(w.tenantId),
    [LABEL.version]: labelValue(w.version, 'unversioned'),
  };
}

const hmac = (key: string, value: unknown) =>
  createHmac('sha256', key).update(JSON.stringify(value)).digest('hex').slice(0, 32);

/** `hash` over the object without its hash annotation and (for the Deployment) without replicas. */
function withHash(manifest: Manifest, key: string): Manifest {
  const spec = manifest.spec as Record<string, unknown> | undefined;
  const hashed =
    spec && 'replicas' in spec ? { ...manifest, spec: { ...spec, replicas: undefined } } : manifest;
  const hash = hmac(key, hashed);
  return {
    ...manifest,
    metadata: {
      ...manifest.metadata,
      annotations: { ...manifest.metadata.annotations, [ANNOTATION.specHash]: hash },
    },
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** `cpuPercent` of one CPU in millicores; memory in bytes (what the sandbox limits too). */
function resources(limits: SandboxLimits) {
  const cpu = limits.cpuPercent * 10;
  return {
    // Memory requested as limited: the scheduler reserves it, and the pod is not evicted first.
    requests: { cpu: `${Math.max(10, Math.round(cpu / 10))}m`, memory: String(limits.memoryBytes) },
    limits: { cpu: `${cpu}m`, memory: String(limits.memoryBytes) },
  };
}

/**
 * Deployment, Service, NetworkPolicy and Secret of one installation's server. `bridgeKey` is the
 * bearer the bridge asks of the runner (kept in the Secret); it also keys the hashes, so a hash
 * never tells anything about the credentials.
 */
export function buildServerManifests(
  layout: KubernetesLayout,
  w: ServerWorkload,
  bridgeKey: string,
): ServerManifests {
  const name = objectName(w.installationId, w.variant);
  const labels = labelsOf(layout, w);
  const selector = podSelector(layout, w);
  const metadata = (kind: string) => ({
    name,
    namespace: layout.namespace,
    labels,
    annotations: { [ANNOTATION.server]: `${w.label} (${kind} of installation ${w.installationId})` },
  });

  const secret = withHash(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata('credentials'),
      type: 'Opaque',
      data: { [SECRET_KEY.env]: b64(JSON.stringify(w.env)), [SECRET_KEY.bridgeKey]: b64(bridgeKey) },
    },
    bridgeKey,
  );
  const secretHash = secret.metadata.annotations![ANNOTATION.specHash]!;

  const container = {
    name: 'bridge',
    image: layout.bridgeImage,
    imagePullPolicy: layout.bridgeImagePullPolicy,
    env: [
      { name: 'TOOLGATE_BRIDGE_COMMAND', value: w.command },
      { name: 'TOOLGATE_BRIDGE_ARGS', value: JSON.stringify(w.args) },
      { name: 'TOOLGATE_BRIDGE_PORT', value: String(layout.bridgePort) },
      { name: 'TOOLGATE_BRIDGE_NAME', value: w.label },
      { name: 'TOOLGATE_BRIDGE_SECRET_DIR', value: BRIDGE_SECRET_DIR },
      { name: 'TOOLGATE_BRIDGE_WORK_DIR', value: '/home/server' },
      { name: 'HOME', value: '/home/server' },
    ],
    ports: [{ name: 'http', containerPort: layout.bridgePort, protocol: 'TCP' }],
    resources: resources(layout.limits),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: SERVER_UID,
      runAsGroup: SERVER_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // Ready once the server answered initialize (the bridge starts it for /readyz).
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 30,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'work', mountPath: '/home/server' },
      { name: 'credentials', mountPath: BRIDGE_SECRET_DIR, readOnly: true },
    ],
  };

  const deployment = withHash(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata('server'),
      spec: {
        replicas: 1,
        // One server per installation at any time, as on the sandbox: never two during a rollout.
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { [ANNOTATION.secretHash]: secretHash } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 10,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: SERVER_UID,
              runAsGroup: SERVER_UID,
              fsGroup: SERVER_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [container],
            volumes: [
              // Memory-backed, so it counts against the memory limit, as the sandbox's /tmp does.
              { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: String(layout.limits.memoryBytes) } },
              { name: 'work', emptyDir: { sizeLimit: layout.workDirSizeLimit } },
              { name: 'credentials', secret: { secretName: name, defaultMode: 0o440 } },
            ],
          },
        },
      },
    },
    bridgeKey,
  );

  const service = withHash(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata('endpoint'),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: layout.bridgePort, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    bridgeKey,
  );

  const from = {
    podSelector: { matchLabels: layout.ingressFrom.podLabels },
    ...(layout.ingressFrom.namespace
      ? {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': layout.ingressFrom.namespace } },
        }
      : {}),
  };
  const except4 = [...new Set([...METADATA_CIDRS, ...layout.egressExcept.filter((c) => !c.includes(':'))])];
  const except6 = [...new Set([...METADATA_CIDRS_V6, ...layout.egressExcept.filter((c) => c.includes(':'))])];
  const egress =
    w.network === 'egress'
      ? [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            to: [
              { ipBlock: { cidr: '0.0.0.0/0', except: except4 } },
              { ipBlock: { cidr: '::/0', except: except6 } },
            ],
          },
        ]
      : [];
  const networkPolicy = withHash(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata('network policy'),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [from], ports: [{ protocol: 'TCP', port: layout.bridgePort }] }],
        egress,
      },
    },
    bridgeKey,
  );

  return { secret, deployment, service, networkPolicy };
}
