import { generateKeySpec } from '@toolgate/core/crypto';
import { EnvError, parseEnv } from '@toolgate/core/env';
import { describe, expect, it } from 'vitest';
import { ZRunnerEnv } from '../env.ts';

const base = {
  DATABASE_URL: 'postgres://db/toolgate',
  TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
  RUNNER_BACKEND: 'kubernetes',
};

describe('runner env, kubernetes backend', () => {
  it('requires the namespace and the bridge image', () => {
    expect(() => parseEnv(ZRunnerEnv, base)).toThrow(EnvError);
    expect(() => parseEnv(ZRunnerEnv, { ...base, RUNNER_KUBERNETES_NAMESPACE: 'servers' })).toThrow(
      /RUNNER_KUBERNETES_BRIDGE_IMAGE/,
    );
  });

  it('reads the ingress selector and the egress exceptions', () => {
    const env = parseEnv(ZRunnerEnv, {
      ...base,
      RUNNER_KUBERNETES_NAMESPACE: 'servers',
      RUNNER_KUBERNETES_BRIDGE_IMAGE: 'toolgate-bridge:1',
      RUNNER_KUBERNETES_INGRESS_FROM: 'app.kubernetes.io/component=runner, app.kubernetes.io/instance=tg',
      RUNNER_KUBERNETES_EGRESS_EXCEPT: '10.0.0.0/8,fd00::/8',
    });
    expect(env).toMatchObject({
      RUNNER_KUBERNETES_BRIDGE_PORT: 8080,
      RUNNER_KUBERNETES_OWNER: 'toolgate',
      RUNNER_KUBERNETES_INGRESS_FROM: {
        'app.kubernetes.io/component': 'runner',
        'app.kubernetes.io/instance': 'tg',
      },
      RUNNER_KUBERNETES_EGRESS_EXCEPT: ['10.0.0.0/8', 'fd00::/8'],
    });
  });

  it('refuses a malformed selector, CIDR or namespace, naming the variable', () => {
    const ok = { ...base, RUNNER_KUBERNETES_NAMESPACE: 'servers', RUNNER_KUBERNETES_BRIDGE_IMAGE: 'b:1' };
    expect(() => parseEnv(ZRunnerEnv, { ...ok, RUNNER_KUBERNETES_INGRESS_FROM: 'runner' })).toThrow(
      /RUNNER_KUBERNETES_INGRESS_FROM/,
    );
    expect(() => parseEnv(ZRunnerEnv, { ...ok, RUNNER_KUBERNETES_EGRESS_EXCEPT: '10.0.0.0' })).toThrow(
      /RUNNER_KUBERNETES_EGRESS_EXCEPT/,
    );
    expect(() => parseEnv(ZRunnerEnv, { ...ok, RUNNER_KUBERNETES_NAMESPACE: 'Servers' })).toThrow(
      /RUNNER_KUBERNETES_NAMESPACE/,
    );
  });
});
