import { describe, expect, it } from 'vitest';
import { clientAddress, PEER_ADDRESS_HEADER, UNKNOWN_CLIENT_ADDRESS } from './client-address.ts';

const from = (forwardedFor?: string) =>
  new Request('http://web.test/oauth/register', {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });

describe('clientAddress', () => {
  it('without trusted proxies: the socket peer our server records, never X-Forwarded-For', () => {
    expect(clientAddress(from('198.51.100.7'), 0)).toBe(UNKNOWN_CLIENT_ADDRESS);
    expect(clientAddress(from(), 0)).toBe(UNKNOWN_CLIENT_ADDRESS);
    const peer = (address: string, forwardedFor = '6.6.6.6') =>
      new Request('http://web.test/oauth/register', {
        headers: { [PEER_ADDRESS_HEADER]: address, 'x-forwarded-for': forwardedFor },
      });
    expect(clientAddress(peer('203.0.113.9'), 0)).toBe('203.0.113.9');
    expect(clientAddress(peer('::ffff:203.0.113.9'), 0)).toBe('203.0.113.9');
    expect(clientAddress(peer('2001:DB8::2'), 0)).toBe('2001:db8::2');
    expect(clientAddress(peer('garbage'), 0)).toBe(UNKNOWN_CLIENT_ADDRESS);
  });

  it('takes the address the outermost trusted proxy saw', () => {
    expect(clientAddress(from('198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientAddress(from('6.6.6.6, 198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientAddress(from('6.6.6.6, 198.51.100.7, 10.0.0.2'), 2)).toBe('198.51.100.7');
    expect(clientAddress(from('198.51.100.7'), 2)).toBe('198.51.100.7');
    expect(clientAddress(from('2001:DB8::1'), 1)).toBe('2001:db8::1');
  });

  it('falls back to the shared bucket when the header names no address', () => {
    expect(clientAddress(from(), 1)).toBe(UNKNOWN_CLIENT_ADDRESS);
    expect(clientAddress(from('not-an-ip'), 1)).toBe(UNKNOWN_CLIENT_ADDRESS);
    expect(clientAddress(from(' , '), 1)).toBe(UNKNOWN_CLIENT_ADDRESS);
  });
});
