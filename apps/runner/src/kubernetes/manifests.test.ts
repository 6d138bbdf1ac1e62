import { describe, expect, it } from 'vitest';
import {
  validateManifests,
  type Manifest as CheckedManifest,
} from '../../../../deploy/helm/testing/kubernetes-schema.ts';
import { buildServerManifests, type ServerManifests } from './manifests.ts';
import { ANNOTATION, LABEL, isDns1035Label, isLabelValue, objectName } from './names.ts';
import { LAYOUT, workload } from './testing/layout.ts';

const KEY = 'bridge-key-for-tests';
const all = (m: ServerManifests) => [m.secret, m.deployment, m.service, m.networkPolicy];

interface PodSpecish {
  securityContext: Record<string, unknown>;
  automountServiceAccountToken: boolean;
  containers: {
    securityContext: Record<string, unknown>;
    resources: { limits: Record<string, string> };
    env: { name: string; value: string }[];
  }[];
}
const podSpec = (m: ServerManifests) =>
  (m.deployment as unknown as { spec: { template: { spec: PodSpecish } } }).spec.template.spec;
const egressOf = (m: ServerManifests) =>
  (m.networkPolicy as unknown as { spec: { egress: { to: Record<string, unknown>[] }[] } }).spec.egress;

describe('server manifests', () => {
  const cases = {
    'network none': workload(),
    'network egress': workload({ network: 'egress' }),
    canary: workload({ variant: 'canary', version: '2026.9.1-rc.1' }),
    'a long non-UUID id and an odd version': workload({
      installationId: 'An_Installation.With+Odd/Characters-and-a-very-long-tail-'.repeat(3),
      tenantId: 'T'.repeat(80),
      version: '1.0.0+build.7',
    }),
    'no version, no env, runners in another namespace': workload({ version: undefined, env: {} }),
  };

  it.each(Object.entries(cases))(
    'validate against the Kubernetes schemas (%s)',
    async (_, w) => {
      const layout =
        w.version === undefined
          ? {
              ...LAYOUT,
              ingressFrom: { ...LAYOUT.ingressFrom, namespace: 'toolgate' },
              egressExcept: ['10.0.0.0/8'],
            }
          : LAYOUT;
      const manifests = all(buildServerManifests(layout, w, KEY));
      expect(await validateManifests(manifests as unknown as CheckedManifest[])).toEqual([]);
      for (const m of manifests) {
        expect(isDns1035Label(m.metadata.name), m.metadata.name).toBe(true);
        for (const [key, value] of Object.entries(m.metadata.labels))
          expect(isLabelValue(value), `${key}=${value}`).toBe(true);
        expect(m.metadata.labels[LABEL.managedBy]).toBe('toolgate-runner');
        expect(m.metadata.namespace).toBe(LAYOUT.namespace);
      }
    },
    60_000,
  );

  it('the schema check itself catches a wrong type and an unknown field', async () => {
    const m = buildServerManifests(LAYOUT, workload(), KEY);
    const spec = m.deployment.spec as object;
    const wrongType = { ...m.deployment, spec: { ...spec, replicas: 'one' } };
    const unknownField = { ...m.deployment, spec: { ...spec, replica: 1 } };
    const problems = async (doc: object) =>
      (await validateManifests([doc] as unknown as CheckedManifest[])).map((p) => p.message).join('\n');
    expect(await problems(wrongType)).toMatch(/replicas must be integer/);
    expect(await problems(unknownField)).toMatch(/"replica"' does not exist in type 'IDeploymentSpec'/);
  }, 60_000);

  it('names objects deterministically per installation and variant, within 63 characters', () => {
    const id = '6b8f2c1a-7d4e-4f3a-8b2c-1e9d0a7f6c5b';
    expect(objectName(id, 'stable')).toBe(`tg-${id}`);
    expect(objectName(id, 'canary')).toBe(`tg-${id}-canary`);
    const long = 'X'.repeat(200);
    expect(objectName(long, 'canary')).toBe(objectName(long, 'canary'));
    expect(objectName(long, 'canary').length).toBeLessThanOrEqual(63);
    expect(objectName(long, 'canary')).not.toBe(objectName(long, 'stable'));
    // Two ids that sanitize alike still differ.
    expect(objectName('a_b', 'stable')).not.toBe(objectName('a.b', 'stable'));
  });

  it('keeps credentials in the Secret only, and hashes them with a key', () => {
    const m = buildServerManifests(LAYOUT, workload(), KEY);
    const outside = JSON.stringify([m.deployment, m.service, m.networkPolicy]);
    expect(outside).not.toContain('sekret-value');
    expect(outside).not.toContain(Buffer.from('sekret-value').toString('base64'));
    const data = (m.secret as unknown as { data: Record<string, string> }).data;
    expect(JSON.parse(Buffer.from(data['server-env.json']!, 'base64').toString())).toEqual({
      API_TOKEN: 'sekret-value',
      MODE: 'stdio',
    });
    // A changed credential changes the pod template (the pod is replaced) …
    const changed = buildServerManifests(
      LAYOUT,
      workload({ env: { API_TOKEN: 'other', MODE: 'stdio' } }),
      KEY,
    );
    expect(changed.deployment.metadata.annotations![ANNOTATION.specHash]).not.toBe(
      m.deployment.metadata.annotations![ANNOTATION.specHash],
    );
    // … and the same input gives the same objects.
    expect(buildServerManifests(LAYOUT, workload(), KEY)).toEqual(m);
  });

  it('runs the bridge locked down, with the runner limits', () => {
    const spec = podSpec(buildServerManifests(LAYOUT, workload(), KEY));
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = spec.containers;
    expect(container!.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container!.resources.limits).toEqual({ cpu: '500m', memory: String(512 * 1024 * 1024) });
    expect(container!.env.map((e) => e.name)).not.toContain('API_TOKEN');
  });

  it('denies all egress with network none; with egress allows DNS and everything but metadata', () => {
    expect(egressOf(buildServerManifests(LAYOUT, workload(), KEY))).toEqual([]);
    const egress = egressOf(
      buildServerManifests({ ...LAYOUT, egressExcept: ['10.0.0.0/8'] }, workload({ network: 'egress' }), KEY),
    );
    expect(egress).toHaveLength(2);
    expect(egress[1]!.to).toContainEqual({
      ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32', '10.0.0.0/8'] },
    });
  });
});
