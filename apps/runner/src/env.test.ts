import { EnvError, parseEnv } from '@toolgate/core/env';
import { generateKeySpec } from '@toolgate/core/crypto';
import { describe, expect, it } from 'vitest';
import { ZRunnerEnv } from './env.ts';

const base = { DATABASE_URL: 'postgres://db/toolgate', TOOLGATE_SECRET_KEYS: generateKeySpec('k1') };

describe('runner env', () => {
  it('defaults to the sandbox backend on 127.0.0.1:4100 with a 10 minute idle stop', () => {
    const env = parseEnv(ZRunnerEnv, base);
    expect(env).toMatchObject({
      RUNNER_BACKEND: 'sandbox',
      RUNNER_HOST: '127.0.0.1',
      RUNNER_PORT: 4100,
      RUNNER_IDLE_STOP_MS: 600_000,
      RUNNER_READONLY_PATHS: [],
    });
  });

  it('refuses RUNNER_BACKEND=process unless TOOLGATE_ALLOW_STDIO is true', () => {
    expect(() => parseEnv(ZRunnerEnv, { ...base, RUNNER_BACKEND: 'process' })).toThrow(EnvError);
    expect(() => parseEnv(ZRunnerEnv, { ...base, RUNNER_BACKEND: 'process' })).toThrow(
      /TOOLGATE_ALLOW_STDIO/,
    );
    expect(
      parseEnv(ZRunnerEnv, { ...base, RUNNER_BACKEND: 'process', TOOLGATE_ALLOW_STDIO: 'true' })
        .RUNNER_BACKEND,
    ).toBe('process');
  });

  it('installs packages from the public npm registry unless told otherwise, and names a bad one', () => {
    expect(parseEnv(ZRunnerEnv, base)).toMatchObject({
      RUNNER_NPM_REGISTRY: 'https://registry.npmjs.org/',
      RUNNER_NPM_INSTALL_TIMEOUT_MS: 300_000,
    });
    expect(() => parseEnv(ZRunnerEnv, { ...base, RUNNER_NPM_REGISTRY: 'registry.local' })).toThrow(
      /RUNNER_NPM_REGISTRY/,
    );
  });

  it('names a read-only path that is not absolute', () => {
    expect(() =>
      parseEnv(ZRunnerEnv, { ...base, RUNNER_READONLY_PATHS: '/usr/lib/node_modules,relative' }),
    ).toThrow(/RUNNER_READONLY_PATHS/);
  });
});
