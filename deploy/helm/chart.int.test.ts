import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { HELM_VERSION, openHelm, type Helm, type HelmResult } from './testing/helm.ts';
import { validateManifests, type Manifest } from './testing/kubernetes-schema.ts';

/**
 * The chart, linted and rendered by the real helm binary and every rendered document checked
 * against the Kubernetes schemas. No API server runs here: what a cluster would do with these
 * objects (admission, scheduling, the apps themselves) is not exercised.
 */

const CHART = fileURLToPath(new URL('./toolgate', import.meta.url));
const EXAMPLE_VALUES = fileURLToPath(new URL('./examples/values-external.yaml', import.meta.url));
const RELEASE = 'tg';
const NAMESPACE = 'toolgate';
const name = (component: string) => `${RELEASE}-toolgate-${component}`;

const KEY_RING = 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const SESSION_RING = 's1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=';
const DATABASE_URL = 'postgres://toolgate:db-password@db.example.com:5432/toolgate';
const REDIS_URL = 'redis://:redis-password@redis.example.com:6379';

/** The least a deployment needs: key rings and URLs given as values (the chart's own Secret). */
const INLINE = {
  secrets: { secretKeys: KEY_RING, sessionKeys: SESSION_RING },
  externalDatabase: { url: DATABASE_URL },
  externalRedis: { url: REDIS_URL },
};

const COMPONENTS = { web: 3000, proxy: 4000, worker: 9100, runner: 4100 } as const;
type Component = keyof typeof COMPONENTS;

interface Container {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: SecretKeyRef; fieldRef?: { fieldPath: string } };
  }[];
  resources?: { requests?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}
interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: Container[];
}
interface Workload extends Manifest {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

let helm: Helm;
let work: string;
/** A copy of the chart whose declared dependencies have placeholders (see prepareChart). */
let chart: string;

/**
 * The Bitnami dependencies cannot be downloaded here, and Helm refuses to render a chart whose
 * declared dependencies are missing from charts/, even disabled ones. The copy gets an empty
 * chart of the same name and version in their place: a disabled dependency is dropped before
 * anything renders, so with them off (the default) the output is what the real ones give.
 */
async function prepareChart(): Promise<string> {
  const copy = path.join(work, 'toolgate');
  await cp(CHART, copy, { recursive: true });
  const meta = parse(await readFile(path.join(CHART, 'Chart.yaml'), 'utf8')) as {
    dependencies?: { name: string; version: string }[];
  };
  for (const dep of meta.dependencies ?? []) {
    const dir = path.join(copy, 'charts', dep.name);
    await mkdir(dir, { recursive: true });
    const version = dep.version.replace(/x/g, '0');
    await writeFile(
      path.join(dir, 'Chart.yaml'),
      `apiVersion: v2\nname: ${dep.name}\nversion: ${version}\ndescription: placeholder for tests\n`,
    );
  }
  return copy;
}

let valuesFiles = 0;
async function valuesArgs(values: object[]): Promise<string[]> {
  const args: string[] = [];
  for (const v of values) {
    const file = path.join(work, `values-${++valuesFiles}.json`);
    await writeFile(file, JSON.stringify(v));
    args.push('-f', file);
  }
  return args;
}

const ok = (result: HelmResult) => {
  if (result.code !== 0) throw new Error(`helm exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
};

async function renderRaw(values: object[], extra: string[] = []): Promise<HelmResult> {
  return helm.run([
    'template',
    RELEASE,
    chart,
    '--namespace',
    NAMESPACE,
    ...(await valuesArgs(values)),
    ...extra,
  ]);
}

/** Renders and parses every document (YAML 1.1, as the API server's decoder reads it). */
async function render(...values: object[]): Promise<Manifest[]> {
  const out = ok(await renderRaw(values));
  const docs: Manifest[] = [];
  for (const doc of parseAllDocuments(out, { version: '1.1' })) {
    expect(doc.errors, String(doc.errors)).toEqual([]);
    const value = doc.toJS() as Manifest | null;
    if (value) docs.push(value);
  }
  return docs;
}

const kinds = (docs: Manifest[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
const find = <T extends Manifest = Manifest>(docs: Manifest[], kind: string, objectName: string): T => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === objectName);
  if (!doc) throw new Error(`no ${kind}/${objectName} in ${kinds(docs).join(', ')}`);
  return doc as T;
};
const deployment = (docs: Manifest[], component: Component) =>
  find<Workload>(docs, 'Deployment', name(component));
const container = (workload: Workload) => workload.spec.template.spec.containers[0]!;
const envOf = (c: Container) => new Map((c.env ?? []).map((e) => [e.name, e]));
const secretRefs = (docs: Manifest[]): SecretKeyRef[] =>
  docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
    .flatMap((d) => (d as Workload).spec.template.spec.containers)
    .flatMap((c) => c.env ?? [])
    .flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []));

async function expectValid(docs: Manifest[]): Promise<void> {
  expect(await validateManifests(docs)).toEqual([]);
}

/** What holds for every rendering. */
function expectInvariants(docs: Manifest[]): void {
  for (const doc of docs) {
    expect(doc.metadata.name, `${doc.kind} name`).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  }
  const workloads = docs.filter((d) => d.kind === 'Deployment') as Workload[];
  for (const w of workloads) {
    const labels = w.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(w.spec.selector!.matchLabels))
      expect(labels[k], `${w.metadata.name} ${k}`).toBe(v);
    for (const c of w.spec.template.spec.containers) {
      expect(typeof c.resources?.requests?.cpu, `${w.metadata.name} cpu request`).toBe('string');
      expect(typeof c.resources?.requests?.memory, `${w.metadata.name} memory request`).toBe('string');
    }
  }
  // Each Service reaches exactly one workload, on a port its container declares.
  for (const svc of docs.filter((d) => d.kind === 'Service')) {
    const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
    const matching = workloads.filter((w) =>
      Object.entries(spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
    );
    expect(
      matching.map((w) => w.metadata.name),
      `Service/${svc.metadata.name}`,
    ).toHaveLength(1);
    const portNames = container(matching[0]!).ports?.map((p) => p.name);
    for (const port of spec.ports) expect(portNames).toContain(port.targetPort);
  }
  // A key the chart's own Secret is expected to hold is there.
  const own = docs.find((d) => d.kind === 'Secret' && d.metadata.name === `${RELEASE}-toolgate`) as
    (Manifest & { stringData: Record<string, string> }) | undefined;
  for (const ref of secretRefs(docs).filter((r) => r.name === `${RELEASE}-toolgate` && !r.optional)) {
    expect(own?.stringData, `${ref.name}/${ref.key}`).toHaveProperty(ref.key);
  }
}

beforeAll(async () => {
  helm = await openHelm();
  work = await mkdtemp(path.join(tmpdir(), 'toolgate-chart-'));
  chart = await prepareChart();
});

afterAll(async () => {
  await helm?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the helm binary', () => {
  it('is the pinned release', async () => {
    expect(ok(await helm.run(['version', '--short']))).toMatch(new RegExp(`^${HELM_VERSION}\\+g05fa379`));
  });
});

describe('helm lint', () => {
  it('passes in strict mode for each set of values tested below', async () => {
    for (const values of [
      [INLINE],
      [INLINE, { proxy: { autoscaling: { enabled: false } } }],
      [INLINE, { runner: { backend: 'sandbox' } }],
      [{ secrets: INLINE.secrets }, { postgresql: { enabled: true }, redis: { enabled: true } }],
    ]) {
      const result = await helm.run(['lint', chart, '--strict', ...(await valuesArgs(values))]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
    }
    const example = await helm.run(['lint', chart, '--strict', '-f', EXAMPLE_VALUES]);
    expect(example.code, example.stdout + example.stderr).toBe(0);
  });

  it('warns about nothing but the undownloaded dependencies on the chart as committed', async () => {
    const result = await helm.run(['lint', CHART, '-f', EXAMPLE_VALUES]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const warnings = result.stdout.split('\n').filter((l) => /\[(WARNING|ERROR)\]/.test(l));
    expect(warnings).toEqual([expect.stringMatching(/missing these dependencies: postgresql,\s*redis/)]);
  });

  it('refuses values outside the schema: a misspelt key, a malformed key ring, an unknown backend', async () => {
    for (const [values, at] of [
      [{ proxy: { autoscalling: { enabled: false } } }, "at '/proxy': additional properties 'autoscalling'"],
      [{ secrets: { secretKeys: 'k1:not-base64' } }, "at '/secrets/secretKeys'"],
      [{ runner: { backend: 'docker' } }, "at '/runner/backend'"],
      [{ externalDatabase: { url: 'mysql://db/toolgate' } }, "at '/externalDatabase/url'"],
    ] as const) {
      const result = await helm.run(['lint', chart, ...(await valuesArgs([INLINE, values]))]);
      expect(result.code, JSON.stringify(values)).not.toBe(0);
      expect(result.stdout).toContain(`[ERROR] values.yaml: - ${at}`);
    }
  });
});

describe('helm template', () => {
  it('refuses the bare defaults, naming the values to set', async () => {
    const bare = await renderRaw([]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('set secrets.secretKeys and secrets.sessionKeys');
    const noDatabase = await renderRaw([{ secrets: INLINE.secrets, externalRedis: INLINE.externalRedis }]);
    expect(noDatabase.stderr).toContain('set externalDatabase.url or externalDatabase.existingSecret');
    const noRedis = await renderRaw([{ secrets: INLINE.secrets, externalDatabase: INLINE.externalDatabase }]);
    expect(noRedis.stderr).toContain('set externalRedis.url or externalRedis.existingSecret');
    const sameRings = await renderRaw([INLINE, { secrets: { sessionKeys: KEY_RING } }]);
    expect(sameRings.stderr).toContain('must be different key rings');
  });

  it('honours the chart kubeVersion: 1.25 and later', async () => {
    expect((await renderRaw([INLINE], ['--kube-version', '1.25.0'])).code).toBe(0);
    const old = await renderRaw([INLINE], ['--kube-version', '1.24.9']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toMatch(/kubeVersion|incompatible/);
  });

  describe('with external Postgres and Redis (the default)', () => {
    let docs: Manifest[];
    beforeAll(async () => {
      docs = await render(INLINE);
    });

    it('renders exactly the expected objects, all valid against the Kubernetes schemas', async () => {
      expect(kinds(docs)).toEqual(
        [
          `Deployment/${name('proxy')}`,
          `Deployment/${name('runner')}`,
          `Deployment/${name('web')}`,
          `Deployment/${name('worker')}`,
          `HorizontalPodAutoscaler/${name('proxy')}`,
          `Job/${name('migrations')}`,
          `PodDisruptionBudget/${name('proxy')}`,
          `Role/${name('runner')}`,
          `RoleBinding/${name('runner')}`,
          `Secret/${RELEASE}-toolgate`,
          `Service/${name('proxy')}`,
          `Service/${name('runner')}`,
          `Service/${name('web')}`,
          `Service/${name('worker')}`,
          `ServiceAccount/${RELEASE}-toolgate`,
          `ServiceAccount/${name('runner')}`,
        ].sort(),
      );
      await expectValid(docs);
      expectInvariants(docs);
    });

    it('probes every component: start-up and liveness on /healthz, readiness on /readyz, on its port', () => {
      for (const [component, port] of Object.entries(COMPONENTS) as [Component, number][]) {
        const c = container(deployment(docs, component));
        expect(c.command).toEqual(['node', 'apps/cli/dist/toolgate.js', component]);
        expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
        expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
        // /readyz may take 2 s to report a silent dependency (docs/operations.md).
        expect(c.readinessProbe?.timeoutSeconds).toBeGreaterThanOrEqual(3);
        expect(c.livenessProbe?.timeoutSeconds).toBeGreaterThanOrEqual(3);
        const portVariable = {
          web: 'WEB_PORT',
          proxy: 'PROXY_PORT',
          worker: 'WORKER_PORT',
          runner: 'RUNNER_PORT',
        }[component];
        expect(envOf(c).get(portVariable)?.value).toBe(String(port));
        expect(envOf(c).get('HOST')?.value).toBe('0.0.0.0');
      }
    });

    it('gives every component the database, Redis and both key rings from the Secret', () => {
      const secret = find<Manifest & { stringData: Record<string, string> }>(
        docs,
        'Secret',
        `${RELEASE}-toolgate`,
      );
      expect(secret.stringData).toEqual({
        TOOLGATE_SECRET_KEYS: KEY_RING,
        TOOLGATE_SESSION_KEYS: SESSION_RING,
        DATABASE_URL,
        REDIS_URL,
      });
      for (const component of Object.keys(COMPONENTS) as Component[]) {
        const env = envOf(container(deployment(docs, component)));
        for (const key of ['DATABASE_URL', 'REDIS_URL', 'TOOLGATE_SECRET_KEYS', 'TOOLGATE_SESSION_KEYS']) {
          expect(env.get(key)?.valueFrom?.secretKeyRef, `${component} ${key}`).toEqual({
            name: `${RELEASE}-toolgate`,
            key,
          });
        }
        expect(env.get('PUBLIC_WEB_URL')?.value).toBe('http://localhost:3000');
        expect(env.get('PUBLIC_MCP_URL')?.value).toBe('http://localhost:4000');
      }
      // Pods roll when a key ring or URL changes.
      const annotations = deployment(docs, 'proxy').spec.template.metadata as {
        annotations?: Record<string, string>;
      };
      expect(annotations.annotations?.['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('scales proxies with an HPA on CPU and leaves their replica count to it', () => {
      const hpa = find(docs, 'HorizontalPodAutoscaler', name('proxy'));
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec).toEqual({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: name('proxy') },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      });
      expect(deployment(docs, 'proxy').spec.replicas).toBeUndefined();
      expect(container(deployment(docs, 'proxy')).resources?.requests?.cpu).toBe('250m');
    });

    it('keeps at least one proxy through disruptions, and selects proxies only', () => {
      const pdb = find<
        Manifest & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }
      >(docs, 'PodDisruptionBudget', name('proxy'));
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.minAvailable).toBe(1);
      const selects = (component: Component) =>
        Object.entries(pdb.spec.selector.matchLabels).every(
          ([k, v]) => deployment(docs, component).spec.template.metadata.labels[k] === v,
        );
      expect((Object.keys(COMPONENTS) as Component[]).filter(selects)).toEqual(['proxy']);
    });

    it('gives the runner exactly the RBAC of the kubernetes backend, in its namespace', () => {
      const role = find<
        Manifest & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }
      >(docs, 'Role', name('runner'));
      expect(role.metadata.namespace).toBe(NAMESPACE);
      // Exactly what apps/runner/src/kubernetes/kube-objects.ts calls.
      const verbs = ['get', 'list', 'create', 'update', 'patch', 'delete'];
      expect(role.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments'], verbs },
        { apiGroups: [''], resources: ['services', 'secrets'], verbs },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs },
      ]);
      const binding = find(docs, 'RoleBinding', name('runner'));
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: name('runner'),
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: name('runner'), namespace: NAMESPACE },
      ]);

      const runner = deployment(docs, 'runner');
      expect(runner.spec.template.spec.serviceAccountName).toBe(name('runner'));
      expect(runner.spec.template.spec.automountServiceAccountToken).toBe(true);
      const env = envOf(container(runner));
      expect(env.get('RUNNER_BACKEND')?.value).toBe('kubernetes');
      expect(env.get('RUNNER_KUBERNETES_NAMESPACE')?.value).toBe(NAMESPACE);
      expect(env.get('RUNNER_KUBERNETES_BRIDGE_IMAGE')?.value).toMatch(/^toolgate-bridge:/);
      expect(env.get('RUNNER_KUBERNETES_OWNER')?.value).toBe(RELEASE);
      // The servers' NetworkPolicies admit exactly this release's runner pods.
      const admitted: Record<string, string> = Object.fromEntries(
        (env.get('RUNNER_KUBERNETES_INGRESS_FROM')?.value ?? '')
          .split(',')
          .map((pair) => pair.split('=') as [string, string]),
      );
      expect(admitted).toEqual({
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/component': 'runner',
      });
      const runnerPodLabels = runner.spec.template.metadata.labels;
      expect(Object.entries(admitted).every(([k, v]) => runnerPodLabels[k] === v)).toBe(true);
      expect(env.has('RUNNER_KUBERNETES_INGRESS_NAMESPACE')).toBe(false);
      // Nothing else gets an API token.
      for (const component of ['web', 'proxy', 'worker'] as const) {
        const spec = deployment(docs, component).spec.template.spec;
        expect(spec.automountServiceAccountToken, component).toBe(false);
        expect(spec.serviceAccountName).toBe(`${RELEASE}-toolgate`);
      }
    });

    it('runs migrations as a Helm hook after install and before each upgrade', () => {
      const job = find<Workload>(docs, 'Job', name('migrations'));
      expect(job.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'post-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      const c = container(job);
      expect(c.command).toEqual(['node', 'apps/cli/dist/toolgate.js', 'migrate']);
      expect(envOf(c).get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: `${RELEASE}-toolgate`,
        key: 'DATABASE_URL',
      });
      expect((job.spec.template.spec as PodSpec & { restartPolicy: string }).restartPolicy).toBe('Never');
    });

    it('prints the URLs and port-forwards in the NOTES', async () => {
      const out = ok(
        await helm.run([
          'install',
          RELEASE,
          chart,
          '--dry-run=client',
          '--namespace',
          NAMESPACE,
          ...(await valuesArgs([INLINE])),
        ]),
      );
      const notes = out.slice(out.indexOf('NOTES:'));
      expect(notes).toContain('Admin UI   http://localhost:3000');
      expect(notes).toContain('MCP        http://localhost:4000/mcp/{tenant}/{gateway}');
      expect(notes).toContain(`port-forward svc/${name('web')} 3000:3000`);
      expect(notes).toContain(`port-forward svc/${name('proxy')} 4000:4000`);
    });
  });

  describe('with the example values (existing Secrets, ingress)', () => {
    let docs: Manifest[];
    beforeAll(async () => {
      docs = await render(parse(await readFile(EXAMPLE_VALUES, 'utf8')) as object);
    });

    it('references the existing Secrets and stores no key material of its own', async () => {
      await expectValid(docs);
      expectInvariants(docs);
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      const refs = secretRefs(docs);
      expect(new Set(refs.map((r) => `${r.name}/${r.key}`))).toEqual(
        new Set([
          'toolgate-keys/TOOLGATE_SECRET_KEYS',
          'toolgate-keys/TOOLGATE_SESSION_KEYS',
          'toolgate-keys/NEXTAUTH_SECRET',
          'toolgate-database/DATABASE_URL',
          'toolgate-redis/REDIS_URL',
        ]),
      );
      expect(refs.filter((r) => r.optional).map((r) => r.key)).toEqual(['NEXTAUTH_SECRET']);
      const web = envOf(container(deployment(docs, 'web')));
      expect(web.get('TRUST_PROXY')?.value).toBe('1');
      expect(web.get('TOOLGATE_SIGNUP')?.value).toBe('invite');
      expect(envOf(container(deployment(docs, 'proxy'))).has('TRUST_PROXY')).toBe(false);
      expect(container(deployment(docs, 'proxy'))).toMatchObject({
        image: 'registry.example.com/acme/toolgate-proxy:0.1.0',
      });
    });

    it('routes the web host to web and the MCP host to the proxies', () => {
      const ingress = find<
        Manifest & {
          spec: {
            rules: {
              host: string;
              http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
            }[];
            tls: { hosts: string[]; secretName: string }[];
          };
        }
      >(docs, 'Ingress', `${RELEASE}-toolgate`);
      const routes = ingress.spec.rules.map((r) => [
        r.host,
        r.http.paths[0]!.backend.service.name,
        r.http.paths[0]!.backend.service.port.name,
      ]);
      expect(routes).toEqual([
        ['toolgate.example.com', name('web'), 'http'],
        ['mcp.example.com', name('proxy'), 'http'],
      ]);
      expect(ingress.spec.tls).toEqual([
        { hosts: ['toolgate.example.com'], secretName: 'toolgate-web-tls' },
        { hosts: ['mcp.example.com'], secretName: 'toolgate-mcp-tls' },
      ]);
    });
  });

  it('without autoscaling: a fixed proxy count and no HPA, the PDB kept', async () => {
    const docs = await render(INLINE, {
      proxy: { replicas: 3, autoscaling: { enabled: false }, podDisruptionBudget: { minAvailable: 2 } },
    });
    await expectValid(docs);
    expectInvariants(docs);
    expect(docs.filter((d) => d.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(deployment(docs, 'proxy').spec.replicas).toBe(3);
    expect(
      (find(docs, 'PodDisruptionBudget', name('proxy')).spec as { minAvailable: number }).minAvailable,
    ).toBe(2);
  });

  it('a runner with the sandbox backend has no Kubernetes rights; a disabled one is not rendered', async () => {
    const sandbox = await render(INLINE, { runner: { backend: 'sandbox' } });
    await expectValid(sandbox);
    expectInvariants(sandbox);
    expect(sandbox.filter((d) => d.kind === 'Role' || d.kind === 'RoleBinding')).toEqual([]);
    const runner = deployment(sandbox, 'runner');
    expect(runner.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(envOf(container(runner)).get('RUNNER_BACKEND')?.value).toBe('sandbox');
    expect(find(sandbox, 'ServiceAccount', name('runner')).automountServiceAccountToken).toBe(false);

    // Proxies and the web app send self-hosted servers to the runners, which announce their pod IP.
    const runnerEnv = envOf(container(runner));
    expect(runnerEnv.get('RUNNER_HOST')?.value).toBe('0.0.0.0');
    expect(runnerEnv.get('POD_IP')).toEqual({
      name: 'POD_IP',
      valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
    });
    expect(runnerEnv.get('RUNNER_ADVERTISE_URL')?.value).toBe('http://$(POD_IP):4100');
    const names = container(runner).env!.map((e) => e.name);
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('RUNNER_ADVERTISE_URL'));
    for (const component of ['web', 'proxy'] as const)
      expect(envOf(container(deployment(sandbox, component))).get('TOOLGATE_RUNNERS')?.value).toBe('true');
    expect(envOf(container(deployment(sandbox, 'worker'))).has('TOOLGATE_RUNNERS')).toBe(false);

    const off = await render(INLINE, { runner: { enabled: false } });
    await expectValid(off);
    expect(kinds(off).filter((k) => k.includes('runner'))).toEqual([]);
    // Without runners, self-hosted servers are off (nothing would host them).
    for (const component of ['web', 'proxy'] as const)
      expect(envOf(container(deployment(off, component))).has('TOOLGATE_RUNNERS')).toBe(false);
  });

  it('puts the runner Role in a namespace of its own when asked', async () => {
    const docs = await render(INLINE, { runner: { kubernetes: { namespace: 'toolgate-servers' } } });
    await expectValid(docs);
    expect(find(docs, 'Role', name('runner')).metadata.namespace).toBe('toolgate-servers');
    const binding = find(docs, 'RoleBinding', name('runner'));
    expect(binding.metadata.namespace).toBe('toolgate-servers');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: name('runner'), namespace: NAMESPACE },
    ]);
    expect(envOf(container(deployment(docs, 'runner'))).get('RUNNER_KUBERNETES_NAMESPACE')?.value).toBe(
      'toolgate-servers',
    );
    // The servers there admit the runners from the release's namespace.
    expect(
      envOf(container(deployment(docs, 'runner'))).get('RUNNER_KUBERNETES_INGRESS_NAMESPACE')?.value,
    ).toBe(NAMESPACE);
  });

  it('names the bridge image from the registry and its own tag, and passes egress exceptions', async () => {
    const docs = await render(INLINE, {
      image: { registry: 'registry.example.com/tg' },
      runner: {
        kubernetes: { bridgeImage: { tag: '9.9.9' }, egressExcept: ['10.0.0.0/8', '172.16.0.0/12'] },
      },
    });
    const env = envOf(container(deployment(docs, 'runner')));
    expect(env.get('RUNNER_KUBERNETES_BRIDGE_IMAGE')?.value).toBe(
      'registry.example.com/tg/toolgate-bridge:9.9.9',
    );
    expect(env.get('RUNNER_KUBERNETES_EGRESS_EXCEPT')?.value).toBe('10.0.0.0/8,172.16.0.0/12');
  });

  it('with the bundled Bitnami charts: URLs built from their Secrets and Services (their own objects not rendered here)', async () => {
    const docs = await render(
      { secrets: INLINE.secrets },
      { postgresql: { enabled: true }, redis: { enabled: true } },
    );
    await expectValid(docs);
    expectInvariants(docs);
    expect(
      find<Manifest & { stringData: Record<string, string> }>(docs, 'Secret', `${RELEASE}-toolgate`)
        .stringData,
    ).toEqual({
      TOOLGATE_SECRET_KEYS: KEY_RING,
      TOOLGATE_SESSION_KEYS: SESSION_RING,
    });
    for (const c of [
      container(deployment(docs, 'proxy')),
      container(find<Workload>(docs, 'Job', name('migrations'))),
    ]) {
      const env = c.env!.map((e) => e.name);
      // Kubernetes expands $(VAR) only from variables defined earlier in the list.
      expect(env.indexOf('TOOLGATE_POSTGRES_PASSWORD')).toBeLessThan(env.indexOf('DATABASE_URL'));
      const byName = envOf(c);
      expect(byName.get('TOOLGATE_POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: `${RELEASE}-postgresql`,
        key: 'password',
      });
      expect(byName.get('DATABASE_URL')?.value).toBe(
        `postgres://toolgate:$(TOOLGATE_POSTGRES_PASSWORD)@${RELEASE}-postgresql:5432/toolgate`,
      );
    }
    const proxy = envOf(container(deployment(docs, 'proxy')));
    expect(proxy.get('TOOLGATE_REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: `${RELEASE}-redis`,
      key: 'redis-password',
    });
    expect(proxy.get('REDIS_URL')?.value).toBe(
      `redis://:$(TOOLGATE_REDIS_PASSWORD)@${RELEASE}-redis-master:6379`,
    );
  });
});

describe('the schema check itself', () => {
  it('refuses a misspelt field, a wrong type, a bad quantity and an unknown kind', async () => {
    const docs = await render(INLINE);
    const proxy = structuredClone(deployment(docs, 'proxy'));
    const c = container(proxy) as Container & { readinesProbe?: Probe };
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
    const replicas = structuredClone(deployment(docs, 'web'));
    (replicas.spec as { replicas: unknown }).replicas = 'two';
    const quantity = structuredClone(deployment(docs, 'worker'));
    container(quantity).resources!.requests!.cpu = '100 millicores';
    const unknown: Manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };

    const problems = await validateManifests([proxy, replicas, quantity, unknown]);
    const about = (doc: string) =>
      problems
        .filter((p) => p.document === doc)
        .map((p) => p.message)
        .join('\n');
    expect(about(`Deployment/${name('proxy')}`)).toContain('\'"readinesProbe"\' does not exist');
    expect(about(`Deployment/${name('web')}`)).toContain('spec/replicas must be integer');
    expect(about(`Deployment/${name('worker')}`)).toContain('must match format "quantity"');
    expect(about('Widget/w')).toContain('no Kubernetes schema for example.com/v1 Widget');
  });
});
