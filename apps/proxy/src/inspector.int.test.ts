import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startConformanceGateway } from './testing/conformance-gateway.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function inspector(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['scripts/inspector/cli.sh', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real third-party client: the MCP Inspector CLI, talking to the proxy with a bearer token. */
describe('MCP Inspector CLI through the gateway', () => {
  let gateway: Awaited<ReturnType<typeof startConformanceGateway>>;
  beforeAll(async () => {
    gateway = await startConformanceGateway({
      postgresUrl: inject('postgresUrl'),
      redisUrl: inject('redisUrl'),
    });
  });
  afterAll(async () => gateway?.close());

  it('lists and calls tools with a bearer token', { timeout: 300_000 }, async () => {
    const auth = ['--transport', 'http', '--header', `Authorization: Bearer ${gateway.token}`];
    const list = await inspector([gateway.proxyUrl, ...auth, '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain('test_simple_text');

    const call = await inspector([
      gateway.proxyUrl,
      ...auth,
      '--method',
      'tools/call',
      '--tool-name',
      'test_simple_text',
    ]);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });

    const denied = await inspector([gateway.proxyUrl, '--transport', 'http', '--method', 'tools/list']);
    expect(denied.code).not.toBe(0);
  });
});
