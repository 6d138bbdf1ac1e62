import { createLogger } from '@toolgate/core/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kindClients, statusOf } from './kube-objects.ts';
import { KubernetesServers } from './kubernetes-servers.ts';
import { buildServerManifests } from './manifests.ts';
import { ANNOTATION, LABEL, objectName } from './names.ts';
import { type FakeKubeApi, startFakeKubeApi } from './testing/fake-kube-api.ts';
import { LAYOUT, workload } from './testing/layout.ts';

const KEY = 'bridge-key-for-tests';
const NS = LAYOUT.namespace;
const log = createLogger({ name: 'test', level: 'silent' });

let api: FakeKubeApi;
let servers: KubernetesServers;
let seq = 0;
/** A fresh installation per test: tests share the API server but never each other's objects. */
const fresh = (overrides: Parameters<typeof workload>[0] = {}) =>
  workload({ installationId: `0000000${++seq}-7d4e-4f3a-8b2c-1e9d0a7f6c5b`.slice(-36), ...overrides });
const writes = () =>
  [...api.calls.entries()].filter(([k]) => !k.startsWith('GET')).reduce((n, [, v]) => n + v, 0);
const one = (kind: string, name: string) => {
  const found = api.objects(kind).find((o) => o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as unknown as {
    metadata: {
      name: string;
      generation?: number;
      annotations: Record<string, string>;
      labels: Record<string, string>;
    };
    spec: { replicas?: number; clusterIP?: string };
    data?: Record<string, string>;
  };
};
const mine = (installationId: string) =>
  api
    .objects()
    .filter((o) => (o.metadata.labels as Record<string, string>)[LABEL.installation] === installationId);

beforeAll(async () => {
  api = await startFakeKubeApi();
  servers = new KubernetesServers({ config: api.config, layout: LAYOUT, log, pollMs: 10 });
});
afterAll(async () => api.close());
beforeEach(() => {
  api.beforeWrite = undefined;
});

describe('the fake API server refuses what a real one refuses', () => {
  const clients = () => kindClients(api.config, NS);
  const secret = () => buildServerManifests(LAYOUT, fresh(), KEY).secret;

  it('create of an existing name is 409, replace or delete of a missing one 404', async () => {
    const s = secret();
    await clients().Secret.create(s);
    expect(
      statusOf(
        await clients()
          .Secret.create(s)
          .catch((e: unknown) => e),
      ),
    ).toBe(409);
    const missing = { ...s, metadata: { ...s.metadata, name: 'tg-missing' } };
    expect(
      statusOf(
        await clients()
          .Secret.replace('tg-missing', missing)
          .catch((e: unknown) => e),
      ),
    ).toBe(404);
    expect(
      statusOf(
        await clients()
          .Secret.delete('tg-missing')
          .catch((e: unknown) => e),
      ),
    ).toBe(404);
    expect(
      statusOf(
        await clients()
          .Secret.read('tg-missing')
          .catch((e: unknown) => e),
      ),
    ).toBe(404);
  });

  it('a stale resourceVersion is 409; an invalid object 422; a wrong token 401', async () => {
    const s = secret();
    const created = await clients().Secret.create(s);
    const rv = created.metadata!.resourceVersion!;
    await clients().Secret.replace(s.metadata.name, {
      ...s,
      metadata: { ...s.metadata, resourceVersion: rv },
    });
    const stale = { ...s, metadata: { ...s.metadata, resourceVersion: rv } };
    expect(
      statusOf(
        await clients()
          .Secret.replace(s.metadata.name, stale)
          .catch((e: unknown) => e),
      ),
    ).toBe(409);
    const badName = { ...s, metadata: { ...s.metadata, name: 'Not_A_Name' } };
    expect(
      statusOf(
        await clients()
          .Secret.create(badName)
          .catch((e: unknown) => e),
      ),
    ).toBe(422);
    const badType = { ...s, type: 42 } as unknown as typeof s;
    expect(
      statusOf(
        await clients()
          .Secret.create({ ...badType, metadata: { ...s.metadata, name: 'tg-x' } })
          .catch((e: unknown) => e),
      ),
    ).toBe(422);
    const d = buildServerManifests(LAYOUT, fresh(), KEY).deployment;
    await clients().Deployment.create(d);
    const moved = { ...d, spec: { ...(d.spec as object), selector: { matchLabels: { a: 'b' } } } };
    expect(
      statusOf(
        await clients()
          .Deployment.replace(d.metadata.name, moved)
          .catch((e: unknown) => e),
      ),
    ).toBe(422);
    const other = await startFakeKubeApi();
    try {
      Object.assign(other.config.getCurrentUser()!, { token: 'wrong' });
      expect(
        statusOf(
          await kindClients(other.config, NS)
            .Secret.list('')
            .catch((e: unknown) => e),
        ),
      ).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('lists by label selector', async () => {
    const a = fresh();
    await servers.ensure(a, KEY);
    const listed = await clients().Service.list(`${LABEL.installation}=${a.installationId}`);
    expect(listed.map((o) => o.metadata!.name)).toEqual([objectName(a.installationId, 'stable')]);
    expect(
      await clients().Service.list(`${LABEL.installation}=${a.installationId},${LABEL.variant}!=stable`),
    ).toEqual([]);
  });
});

describe('KubernetesServers', () => {
  it('ensure creates the four objects once; again it writes nothing', async () => {
    const w = fresh();
    await servers.ensure(w, KEY);
    const name = objectName(w.installationId, 'stable');
    expect(
      mine(w.installationId)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['Deployment', 'NetworkPolicy', 'Secret', 'Service']);
    for (const o of mine(w.installationId)) {
      expect(o.metadata.name).toBe(name);
      expect(o.metadata.labels).toMatchObject({
        [LABEL.managedBy]: 'toolgate-runner',
        [LABEL.owner]: LAYOUT.owner,
        [LABEL.tenant]: w.tenantId,
        [LABEL.version]: '2026.8.31',
        [LABEL.variant]: 'stable',
      });
    }
    const before = writes();
    const versions = mine(w.installationId).map((o) => o.metadata.resourceVersion);
    await servers.ensure(w, KEY);
    expect(writes()).toBe(before);
    expect(mine(w.installationId).map((o) => o.metadata.resourceVersion)).toEqual(versions);
    expect(servers.endpoint(w.installationId, 'stable')).toBe(`http://${name}.${NS}.svc:8080/mcp`);
  });

  it('replaces what changed (credentials roll the pod) and keeps the Service its cluster IP', async () => {
    const w = fresh();
    await servers.ensure(w, KEY);
    const name = objectName(w.installationId, 'stable');
    const ip = one('Service', name).spec.clusterIP as string;
    const generation = one('Deployment', name).metadata.generation as number;
    await servers.ensure({ ...w, env: { API_TOKEN: 'rotated' } }, KEY);
    expect(
      JSON.parse(Buffer.from(one('Secret', name).data!['server-env.json']!, 'base64').toString()),
    ).toEqual({ API_TOKEN: 'rotated' });
    expect(one('Deployment', name).metadata.generation).toBe(generation + 1);
    expect(one('Service', name).spec.clusterIP).toBe(ip);
  });

  it('scales to zero and back, and waits for the ready replica', async () => {
    const w = fresh({ variant: 'canary' });
    const name = objectName(w.installationId, 'canary');
    await servers.ensure(w, KEY);
    await expect(servers.waitReady(w.installationId, 'canary', 50)).rejects.toThrow(/not ready within 50 ms/);
    api.markReady(NS, name);
    await servers.waitReady(w.installationId, 'canary', 1_000);
    await servers.scaleToZero(w.installationId, 'canary');
    expect(one('Deployment', name).spec.replicas).toBe(0);
    await servers.ensure(w, KEY);
    expect(one('Deployment', name).spec.replicas).toBe(1);
    // Scaling what does not exist is nothing to do.
    await servers.scaleToZero(fresh().installationId, 'stable');
  });

  it('retries a replace that lost a race (stale resourceVersion) and a create that lost one', async () => {
    const w = fresh();
    const name = objectName(w.installationId, 'stable');
    await servers.ensure(w, KEY);
    let raced = 0;
    api.beforeWrite = (method, kind) => {
      if (method === 'PUT' && kind === 'Secret' && raced++ === 0) api.touch('Secret', NS, name);
    };
    await servers.ensure({ ...w, env: { API_TOKEN: 'after-race' } }, KEY);
    expect(raced).toBe(2);
    expect(one('Secret', name).metadata.annotations[ANNOTATION.specHash]).toBe(
      buildServerManifests(LAYOUT, { ...w, env: { API_TOKEN: 'after-race' } }, KEY).secret.metadata
        .annotations![ANNOTATION.specHash],
    );

    const v = fresh();
    const other = buildServerManifests(LAYOUT, v, KEY).service;
    api.beforeWrite = (method, kind) => {
      if (
        method === 'POST' &&
        kind === 'Service' &&
        !api.objects('Service').some((o) => o.metadata.name === other.metadata.name)
      )
        api.seed(structuredClone(other));
    };
    await servers.ensure(v, KEY);
    expect(mine(v.installationId)).toHaveLength(4);
  });

  it('leaves an object of the same name it does not manage alone, and says so', async () => {
    const w = fresh();
    const name = objectName(w.installationId, 'stable');
    api.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS, labels: { team: 'someone-else' } },
      data: { a: 'Yg==' },
    });
    await expect(servers.ensure(w, KEY)).rejects.toThrow(/not managed by this runner/);
    expect(one('Secret', name).data).toEqual({ a: 'Yg==' });
  });

  it('remove deletes every object of the installation, both variants, and nothing else', async () => {
    const w = fresh();
    const neighbour = fresh();
    await servers.ensure(w, KEY);
    await servers.ensure({ ...w, variant: 'canary' }, KEY);
    await servers.ensure(neighbour, KEY);
    expect(await servers.remove(w.installationId)).toBe(8);
    expect(mine(w.installationId)).toEqual([]);
    expect(mine(neighbour.installationId)).toHaveLength(4);
  });

  it("collects garbage by owner labels, never touching unmanaged or another owner's objects", async () => {
    const live = fresh();
    const dead = fresh();
    await servers.ensure(live, KEY);
    await servers.ensure({ ...live, variant: 'canary' }, KEY);
    await servers.ensure(dead, KEY);
    const otherOwner = new KubernetesServers({
      config: api.config,
      layout: { ...LAYOUT, owner: 'another' },
      log,
    });
    const theirs = fresh();
    await otherOwner.ensure(theirs, KEY);
    api.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'unmanaged', namespace: NS, labels: { [LABEL.installation]: dead.installationId } },
      spec: { ports: [{ port: 80 }] },
    });
    const keep = [
      ...new Set(api.objects().map((o) => (o.metadata.labels as Record<string, string>)[LABEL.installation])),
    ]
      .filter((id): id is string => !!id && id !== dead.installationId)
      .map((installationId) => ({ installationId, variant: 'stable' as const }));
    // The live installation's canary is not in the list: it goes too.
    await servers.collectGarbage(keep);
    expect(mine(dead.installationId).map((o) => o.metadata.name)).toEqual(['unmanaged']);
    expect(
      mine(live.installationId).map((o) => (o.metadata.labels as Record<string, string>)[LABEL.variant]),
    ).toEqual(Array(4).fill('stable'));
    expect(mine(theirs.installationId)).toHaveLength(4);
  });

  it('periodic collection leaves objects younger than its interval, made after it read the live list', async () => {
    const young = fresh();
    await servers.ensure(young, KEY);
    // An hour's minimum age: the objects just made are kept though their installation is not live.
    expect(await servers.collectGarbage([], { olderThanMs: 3_600_000 })).toBe(0);
    expect(mine(young.installationId)).toHaveLength(4);
    // Old enough (any age): collected.
    expect(await servers.collectGarbage([], { olderThanMs: 0 })).toBeGreaterThanOrEqual(4);
    expect(mine(young.installationId)).toEqual([]);
  });
});
