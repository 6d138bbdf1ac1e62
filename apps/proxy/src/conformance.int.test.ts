import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startConformanceGateway } from './testing/conformance-gateway.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The official MCP conformance suite (server mode, Node 22 from the npm registry) against a
 * gateway that fronts the conformance fixture. The runner judges every check in checks.json
 * against scripts/conformance/expected-failures-gateway.txt and exits non-zero on any surprise.
 */
describe('MCP conformance suite through the gateway', () => {
  let gateway: Awaited<ReturnType<typeof startConformanceGateway>>;
  beforeAll(async () => {
    gateway = await startConformanceGateway({
      postgresUrl: inject('postgresUrl'),
      redisUrl: inject('redisUrl'),
    });
  });
  afterAll(async () => gateway?.close());

  it('passes every active scenario', { timeout: 600_000 }, async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('bash', ['scripts/conformance/run.sh', gateway.url], {
        cwd: ROOT,
        env: { ...process.env, EXPECTED_FAILURES: 'scripts/conformance/expected-failures-gateway.txt' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (c) => resolve({ code: c, output: out }));
    });
    expect(output, output).toMatch(/\d+ scenarios: \d+ passed, 0 failed unexpectedly/);
    expect(code, output).toBe(0);
  });
});
