import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { installations } from '@toolgate/db/schema';
import { seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ZRunnerEnv } from '../env.ts';
import { openTestDatabase, seedStdioServer } from '../testing/runner-kit.ts';
import { startKubernetesBackend } from './create-kubernetes-backend.ts';
import { KubernetesServers } from './kubernetes-servers.ts';
import { LABEL } from './names.ts';
import { type FakeKubeApi, startFakeKubeApi } from './testing/fake-kube-api.ts';
import { LAYOUT, workload } from './testing/layout.ts';

const log = createLogger({ name: 'test', level: 'silent' });
let db: TestDatabase;
let api: FakeKubeApi;

beforeAll(async () => {
  db = await openTestDatabase(inject('postgresUrl'));
  api = await startFakeKubeApi();
});
afterAll(async () => {
  await api?.close();
  await db?.destroy();
});

describe('garbage collection at start-up against the database', () => {
  it('keeps the objects of enabled installations (and set canaries) of every tenant, removes the rest', async () => {
    const [a, b] = [(await seedTenant(db.db)).id, (await seedTenant(db.db)).id];
    const { installation: kept } = await seedStdioServer(db.db, a, { command: 'node' });
    const { installation: canary } = await seedStdioServer(db.db, b, { command: 'node' }, undefined, {
      canaryVersion: '2.0.0',
      canaryPercent: 10,
    });
    const { installation: disabled } = await seedStdioServer(db.db, b, { command: 'node' });
    await db.db.update(installations).set({ enabled: false }).where(eq(installations.id, disabled.id));
    const deleted = '9f0e1d2c-3b4a-4c5d-8e7f-6a5b4c3d2e1f';

    const servers = new KubernetesServers({ config: api.config, layout: LAYOUT, log });
    const make = (installationId: string, tenantId: string, variant: 'stable' | 'canary' = 'stable') =>
      servers.ensure(workload({ installationId, tenantId, variant }), 'k');
    await make(kept.id, a);
    await make(kept.id, a, 'canary'); // no canary set any more
    await make(canary.id, b);
    await make(canary.id, b, 'canary');
    await make(disabled.id, b);
    await make(deleted, a);

    const env = parseEnv(ZRunnerEnv, {
      DATABASE_URL: 'postgres://unused/x',
      TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
      RUNNER_BACKEND: 'kubernetes',
      RUNNER_KUBERNETES_NAMESPACE: LAYOUT.namespace,
      RUNNER_KUBERNETES_BRIDGE_IMAGE: LAYOUT.bridgeImage,
      RUNNER_KUBERNETES_OWNER: LAYOUT.owner,
    });
    const ring = parseKeyRing(env.TOOLGATE_SECRET_KEYS);
    const started = await startKubernetesBackend({ env, db: db.db, ring, log, config: api.config });
    expect(started.backend.kind).toBe('kubernetes');

    const left = new Set(
      api
        .objects('Deployment')
        .map((o) => o.metadata.labels as Record<string, string>)
        .map((l) => `${l[LABEL.installation]}/${l[LABEL.variant]}`),
    );
    expect(left).toEqual(new Set([`${kept.id}/stable`, `${canary.id}/stable`, `${canary.id}/canary`]));
    expect(api.objects()).toHaveLength(12);
  });
});
