import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, mergePatch, parseSelector } from './fake-kube-rules.ts';

/**
 * An in-process Kubernetes API server for ONLY the calls the reconciler makes (kube-objects.ts):
 * get, list (labelSelector), create, replace (PUT), merge-patch and delete of namespaced Secrets,
 * Services, Deployments and NetworkPolicies, over HTTP at the real REST paths, so the real
 * @kubernetes/client-node talks to it. It refuses what a real API server refuses for these calls:
 * 401 without the bearer token; 409 AlreadyExists on create of an existing name; 404 NotFound on
 * read, replace, patch or delete of a missing one; 409 Conflict on a stale resourceVersion
 * (replace or patch); 422 Invalid for an object failing the kubernetes-models schema, a bad name
 * or label, a Deployment whose selector does not match its template or changes, a Service whose
 * clusterIP changes; 400 for a body of another kind, namespace or name; 415 for patch types other
 * than merge-patch; 500 for a resourceVersion on create (as etcd3's store answers).
 *
 * Not modelled: controllers. A Deployment's status only changes when a test plays the controller
 * (`markReady`). No watch, no admission, no defaulting beyond clusterIP, uid, resourceVersion,
 * generation and creationTimestamp.
 */

interface Resource {
  kind: string;
  apiVersion: string;
  /** `deployments.apps`, as in the API's messages. */
  qualified: string;
  group: string;
  nameRule: 'dns1123-subdomain' | 'dns1035-label';
}

const RESOURCES: Record<string, Resource> = {
  '/api/v1/secrets': {
    kind: 'Secret',
    apiVersion: 'v1',
    qualified: 'secrets',
    group: '',
    nameRule: 'dns1123-subdomain',
  },
  '/api/v1/services': {
    kind: 'Service',
    apiVersion: 'v1',
    qualified: 'services',
    group: '',
    nameRule: 'dns1035-label',
  },
  '/apis/apps/v1/deployments': {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    qualified: 'deployments.apps',
    group: 'apps',
    nameRule: 'dns1123-subdomain',
  },
  '/apis/networking.k8s.io/v1/networkpolicies': {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    qualified: 'networkpolicies.networking.k8s.io',
    group: 'networking.k8s.io',
    nameRule: 'dns1123-subdomain',
  },
};

const PATH = /^\/(api\/v1|apis\/[^/]+\/v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

type Obj = Record<string, unknown> & { metadata: Record<string, unknown>; spec?: Record<string, unknown> };

export interface FakeKubeApi {
  url: string;
  /** A KubeConfig for the real client, pointing at this server with its token. */
  config: KubeConfig;
  /** Every object stored, as the API would return it. */
  objects(kind?: string): Obj[];
  /** Stores an object directly (another tool's, e.g. one without our labels). */
  seed(object: Obj): void;
  /** Plays the Deployment controller: status says `spec.replicas` ready of the current generation. */
  markReady(namespace: string, name: string): void;
  /** Counts of requests by `METHOD kind`. */
  calls: Map<string, number>;
  /** Called before each write is handled: tests play another writer racing the runner. */
  beforeWrite: ((method: string, kind: string, name: string | undefined) => void) | undefined;
  /** Another writer's update: a new resourceVersion (and an annotation saying so). */
  touch(kind: string, namespace: string, name: string): void;
  close(): Promise<void>;
}

export async function startFakeKubeApi(options: { token?: string } = {}): Promise<FakeKubeApi> {
  const token = options.token ?? `test-${randomUUID()}`;
  const store = new Map<string, Obj>();
  const calls = new Map<string, number>();
  let version = 1000;
  let nextIp = 10;
  const keyOf = (resource: Resource, namespace: string, name: string) =>
    `${resource.kind}/${namespace}/${name}`;

  function notFound(resource: Resource, name: string) {
    return new ApiError(404, 'NotFound', `${resource.qualified} "${name}" not found`, {
      name,
      group: resource.group,
      kind: resource.qualified.split('.')[0],
    });
  }

  async function validate(resource: Resource, object: Obj): Promise<void> {
    const problems: string[] = [];
    const name = object.metadata.name;
    const validName =
      typeof name === 'string' &&
      (resource.nameRule === 'dns1035-label'
        ? name.length <= 63 && DNS1035_LABEL.test(name)
        : name.length <= 253 && DNS1123_SUBDOMAIN.test(name));
    if (!validName) problems.push(`metadata.name: Invalid value: ${JSON.stringify(name)}`);
    const labels = (object.metadata.labels ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(labels)) {
      const [prefix, local] = key.includes('/') ? key.split('/', 2) : [undefined, key];
      const keyOk =
        local !== undefined &&
        local.length <= 63 &&
        QUALIFIED_NAME.test(local) &&
        (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
      if (!keyOk) problems.push(`metadata.labels: Invalid value: ${JSON.stringify(key)}`);
      if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
        problems.push(`metadata.labels: Invalid value: ${JSON.stringify(value)}`);
    }
    if (resource.kind === 'Secret')
      for (const key of Object.keys(object.data ?? {}))
        if (!SECRET_KEY.test(key))
          problems.push(
            `data[${key}]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
          );
    if (resource.kind === 'Deployment') {
      const spec = object.spec as {
        selector?: { matchLabels?: Record<string, string> };
        template?: { metadata?: { labels?: Record<string, string> } };
      };
      const podLabels = spec.template?.metadata?.labels ?? {};
      const matches = Object.entries(spec.selector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v);
      if (!matches)
        problems.push(
          'spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`',
        );
    }
    try {
      const mod = (await import(`kubernetes-models/${resource.apiVersion}/${resource.kind}`)) as Record<
        string,
        new (data: unknown) => { validate(): void }
      >;
      new mod[resource.kind]!(object).validate();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    if (problems.length)
      throw new ApiError(
        422,
        'Invalid',
        `${resource.kind} "${String(name)}" is invalid: ${problems.join(', ')}`,
        {
          name,
          group: resource.group,
          kind: resource.kind,
        },
      );
  }

  function checkImmutable(resource: Resource, old: Obj, next: Obj): void {
    if (resource.kind === 'Deployment') {
      const before = JSON.stringify((old.spec as { selector?: unknown }).selector);
      const after = JSON.stringify((next.spec as { selector?: unknown }).selector);
      if (before !== after)
        throw new ApiError(
          422,
          'Invalid',
          `Deployment.apps "${String(old.metadata.name)}" is invalid: spec.selector: Invalid value: field is immutable`,
        );
    }
    if (resource.kind === 'Service') {
      const spec = next.spec as { clusterIP?: string; clusterIPs?: string[] };
      const was = old.spec as { clusterIP?: string; clusterIPs?: string[] };
      // As the API server does since 1.20: an update without clusterIP keeps the allocated one.
      if (!spec.clusterIP) {
        spec.clusterIP = was.clusterIP;
        spec.clusterIPs = was.clusterIPs;
      } else if (spec.clusterIP !== was.clusterIP)
        throw new ApiError(
          422,
          'Invalid',
          `Service "${String(old.metadata.name)}" is invalid: spec.clusterIP: Invalid value: field is immutable`,
        );
    }
  }

  function decodeSecret(object: Obj): void {
    const data = { ...((object.data ?? {}) as Record<string, string>) };
    for (const [key, value] of Object.entries(data))
      if (typeof value !== 'string' || Buffer.from(value, 'base64').toString('base64') !== value)
        throw new ApiError(400, 'BadRequest', `illegal base64 data in Secret data[${key}]`);
    for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, string>))
      data[key] = Buffer.from(value, 'utf8').toString('base64');
    delete object.stringData;
    if (Object.keys(data).length) object.data = data;
  }

  function stored(resource: Resource, body: Obj, old: Obj | undefined): Obj {
    const object = structuredClone(body);
    object.apiVersion = resource.apiVersion;
    object.kind = resource.kind;
    version += 1;
    const specChanged = !old || JSON.stringify(old.spec) !== JSON.stringify(object.spec);
    object.metadata = {
      ...object.metadata,
      uid: old?.metadata.uid ?? randomUUID(),
      creationTimestamp: old?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: String(version),
      ...(resource.kind === 'Deployment'
        ? { generation: ((old?.metadata.generation as number | undefined) ?? 0) + (specChanged ? 1 : 0) }
        : {}),
    };
    if (resource.kind === 'Deployment') object.status = old?.status ?? {};
    if (resource.kind === 'Service' && !(object.spec as { clusterIP?: string }).clusterIP) {
      const ip = `10.96.0.${nextIp++}`;
      object.spec = { ...object.spec, clusterIP: ip, clusterIPs: [ip] };
    }
    return object;
  }

  function checkBody(resource: Resource, body: Obj, namespace: string, name: string | undefined): void {
    if (typeof body !== 'object' || body === null || typeof body.metadata !== 'object')
      throw new ApiError(400, 'BadRequest', 'the body is not an object with metadata');
    if (body.kind !== undefined && (body.kind !== resource.kind || body.apiVersion !== resource.apiVersion))
      throw new ApiError(
        400,
        'BadRequest',
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${resource.apiVersion})`,
      );
    if (body.metadata.namespace !== undefined && body.metadata.namespace !== namespace)
      throw new ApiError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (name !== undefined && body.metadata.name !== name)
      throw new ApiError(
        400,
        'BadRequest',
        `the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`,
      );
  }

  function checkVersion(resource: Resource, old: Obj, given: unknown): void {
    if (given !== undefined && given !== old.metadata.resourceVersion)
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource.qualified} "${String(old.metadata.name)}": the object has been modified; please apply your changes to the latest version and try again`,
      );
  }

  async function handle(req: IncomingMessage, body: string): Promise<{ status: number; json: unknown }> {
    if (req.headers.authorization !== `Bearer ${token}`)
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://x');
    const match = PATH.exec(url.pathname);
    const resource = match ? RESOURCES[`/${match[1]}/${match[3]}`] : undefined;
    if (!match || !resource)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = match[2]!;
    const name = match[4];
    const method = req.method ?? 'GET';
    calls.set(`${method} ${resource.kind}`, (calls.get(`${method} ${resource.kind}`) ?? 0) + 1);
    if (method !== 'GET') api.beforeWrite?.(method, resource.kind, name ?? undefined);
    const parse = (): Obj => {
      try {
        return JSON.parse(body) as Obj;
      } catch {
        throw new ApiError(400, 'BadRequest', 'the body is not JSON');
      }
    };
    if (name === undefined) {
      if (method === 'GET') {
        const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
        const items = [...store.entries()]
          .filter(([key]) => key.startsWith(`${resource.kind}/${namespace}/`))
          .map(([, o]) => o)
          .filter((o) => selector((o.metadata.labels ?? {}) as Record<string, string>))
          .map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
        return {
          status: 200,
          json: {
            apiVersion: resource.apiVersion,
            kind: `${resource.kind}List`,
            metadata: { resourceVersion: String(version) },
            items,
          },
        };
      }
      if (method === 'POST') {
        const object = parse();
        checkBody(resource, object, namespace, undefined);
        if (object.metadata.resourceVersion !== undefined)
          throw new ApiError(
            500,
            'InternalError',
            'resourceVersion should not be set on objects to be created',
          );
        if (resource.kind === 'Secret') decodeSecret(object);
        await validate(resource, { ...object, apiVersion: resource.apiVersion, kind: resource.kind });
        const key = keyOf(resource, namespace, String(object.metadata.name));
        if (store.has(key))
          throw new ApiError(
            409,
            'AlreadyExists',
            `${resource.qualified} "${String(object.metadata.name)}" already exists`,
            {
              name: object.metadata.name,
              group: resource.group,
              kind: resource.qualified.split('.')[0],
            },
          );
        const created = stored(
          resource,
          { ...object, metadata: { ...object.metadata, namespace } },
          undefined,
        );
        store.set(key, created);
        return { status: 201, json: created };
      }
      throw new ApiError(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    }
    const key = keyOf(resource, namespace, name);
    const old = store.get(key);
    if (!old) throw notFound(resource, name);
    if (method === 'GET') return { status: 200, json: old };
    if (method === 'DELETE') {
      store.delete(key);
      return {
        status: 200,
        json: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name,
            group: resource.group,
            kind: resource.qualified.split('.')[0],
            uid: old.metadata.uid,
          },
        },
      };
    }
    let next: Obj;
    if (method === 'PUT') {
      next = parse();
      checkBody(resource, next, namespace, name);
      checkVersion(resource, old, next.metadata.resourceVersion);
    } else if (method === 'PATCH') {
      if (!String(req.headers['content-type']).startsWith('application/merge-patch+json'))
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
        );
      const patch = parse();
      checkVersion(
        resource,
        old,
        (patch.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion,
      );
      next = mergePatch(structuredClone(old), patch) as Obj;
      checkBody(resource, next, namespace, name);
    } else
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    if (resource.kind === 'Secret') decodeSecret(next);
    checkImmutable(resource, old, next);
    await validate(resource, { ...next, apiVersion: resource.apiVersion, kind: resource.kind });
    const updated = stored(resource, { ...next, metadata: { ...next.metadata, namespace } }, old);
    store.set(key, updated);
    return { status: 200, json: updated };
  }

  const server: Server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8'))
        .then(({ status, json }) => send(res, status, json))
        .catch((error: unknown) => {
          const e = error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
          send(res, e.code, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: e.message,
            reason: e.reason,
            ...(e.details ? { details: e.details } : {}),
            code: e.code,
          });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = new KubeConfig();
  config.loadFromOptions({
    // Plain HTTP: the client refuses it unless told there is no certificate to check.
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'runner', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'runner' }],
    currentContext: 'fake',
  });
  const api: FakeKubeApi = {
    url,
    config,
    calls,
    beforeWrite: undefined,
    touch(kind, namespace, name) {
      const resource = Object.values(RESOURCES).find((r) => r.kind === kind)!;
      const key = keyOf(resource, namespace, name);
      const old = store.get(key);
      if (!old) throw new Error(`no ${kind} ${namespace}/${name}`);
      const annotations = { ...(old.metadata.annotations as object), 'example.com/touched': String(version) };
      store.set(key, stored(resource, { ...old, metadata: { ...old.metadata, annotations } }, old));
    },
    objects: (kind) =>
      [...store.values()].filter((o) => !kind || o.kind === kind).map((o) => structuredClone(o)),
    seed(object) {
      const resource = Object.values(RESOURCES).find((r) => r.kind === object.kind)!;
      store.set(
        keyOf(resource, String(object.metadata.namespace), String(object.metadata.name)),
        stored(resource, object, undefined),
      );
    },
    markReady(namespace, name) {
      const object = store.get(`Deployment/${namespace}/${name}`);
      if (!object) throw new Error(`no Deployment ${namespace}/${name}`);
      const replicas = (object.spec as { replicas?: number }).replicas ?? 1;
      object.status = {
        observedGeneration: object.metadata.generation,
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return api;
}

function send(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}
