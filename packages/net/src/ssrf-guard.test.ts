import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createSsrfGuard, isPublicAddress, SsrfGuardError } from './ssrf-guard.ts';

const hosts: Record<string, string[]> = {
  'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['93.184.216.34', '10.0.0.7'],
  'mapped.example': ['::ffff:192.168.1.10'],
};
const resolve = async (host: string) => {
  const found = hosts[host];
  if (found === undefined)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};

async function refusal(check: Promise<void>): Promise<SsrfGuardError> {
  const error = await check.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SsrfGuardError);
  return error as SsrfGuardError;
}

describe('createSsrfGuard', () => {
  const guard = createSsrfGuard({ allowPrivate: false, resolve });

  it.each([
    'http://127.0.0.1/',
    'http://127.1.2.3:8080/mcp',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://100.127.255.254/',
    'http://0.0.0.0/',
    'http://0.1.2.3/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::a00:1]/', // NAT64 of 10.0.0.1
    'http://[2002:a00:1::]/', // 6to4 of 10.0.0.1
    'http://2130706433/', // 127.0.0.1 as one number
    'http://0x7f.1/', // 127.0.0.1 in hex shorthand
    'https://metadata.example/computeMetadata',
    'http://mixed.example/',
    'http://mapped.example/',
  ])('refuses %s', async (url) => {
    const error = await refusal(guard.checkUrl(new URL(url)));
    expect(error.kind).toBe('blocked');
    expect(error.message).toMatch(
      /refused: .+ resolves to a private address \(set TOOLGATE_ALLOW_PRIVATE_UPSTREAMS=true to allow\)/,
    );
  });

  it.each([
    'http://93.184.216.34/',
    'https://1.1.1.1/dns-query',
    'http://172.32.0.1/', // just past 172.16/12
    'http://100.128.0.1/', // just past 100.64/10
    'http://[2606:4700:4700::1111]/',
    'http://[64:ff9b::5db8:d822]/', // NAT64 of a public address
    'https://public.example:8443/mcp?x=1',
  ])('allows %s', async (url) => {
    await expect(guard.checkUrl(new URL(url))).resolves.toBeUndefined();
  });

  it('names the host, never the path or query, in the refusal', async () => {
    const error = await refusal(guard.checkUrl(new URL('http://metadata.example/secret?token=abc')));
    expect(error.message).toContain('metadata.example');
    expect(error.message).not.toContain('token=abc');
  });

  it.each([
    'ftp://public.example/',
    'file:///etc/passwd',
    'gopher://public.example/',
    'ws://public.example/',
  ])('refuses the scheme of %s even when private addresses are allowed', async (url) => {
    const open = createSsrfGuard({ allowPrivate: true, resolve });
    const error = await refusal(open.checkUrl(new URL(url)));
    expect(error.kind).toBe('blocked');
    expect(error.message).toContain('only http and https');
  });

  it('reports a host that does not resolve as a connect error', async () => {
    const error = await refusal(guard.checkUrl(new URL('http://nowhere.example/')));
    expect(error.kind).toBe('connect');
    expect(error.message).toContain('nowhere.example could not be resolved');
  });

  it('allows private addresses when the operator says so', async () => {
    const open = createSsrfGuard({ allowPrivate: true, resolve });
    await expect(open.checkUrl(new URL('http://127.0.0.1:3000/mcp'))).resolves.toBeUndefined();
    await expect(open.checkUrl(new URL('http://metadata.example/'))).resolves.toBeUndefined();
  });

  it('uses the system resolver by default (localhost is loopback)', async () => {
    const system = createSsrfGuard({ allowPrivate: false });
    const error = await refusal(system.checkUrl(new URL('http://localhost:3000/')));
    expect(error.kind).toBe('blocked');
  });
});

describe('the connect-time lookup', () => {
  const guard = createSsrfGuard({ allowPrivate: false, resolve });
  const lookup = (host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>(
      (done) => {
        guard.lookup(host, options, (error, address, family) => done({ error, address, family }));
      },
    );

  it('answers with the checked addresses, one or all', async () => {
    expect(await lookup('public.example', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookup('public.example', { all: true })).toMatchObject({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
    });
    expect(await lookup('public.example', { family: 6 })).toMatchObject({
      address: '2606:2800:220:1:248:1893:25c8:1946',
      family: 6,
    });
  });

  it('fails the connection when the host now resolves to a private address (DNS rebinding)', async () => {
    const { error } = await lookup('metadata.example', { all: true });
    expect(error).toBeInstanceOf(SsrfGuardError);
    expect((error as unknown as SsrfGuardError).kind).toBe('blocked');
  });
});

describe('isPublicAddress', () => {
  it('rejects text that is not an address', () => {
    expect(isPublicAddress('not-an-ip')).toBe(false);
    expect(isPublicAddress('8.8.8.8')).toBe(true);
  });
});
