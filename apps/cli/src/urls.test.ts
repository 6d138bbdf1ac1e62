import { describe, expect, it } from 'vitest';
import { defaultPublicUrl, localUrl, sameServer } from './urls.ts';

describe('local and public URLs', () => {
  it('reaches loopback and wildcard binds as localhost, other addresses as given', () => {
    expect(localUrl('127.0.0.1', 3000)).toBe('http://localhost:3000');
    expect(localUrl('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(localUrl('::', 4000)).toBe('http://localhost:4000');
    expect(localUrl('10.0.0.5', 4000)).toBe('http://10.0.0.5:4000');
    expect(localUrl('fd00::5', 4000)).toBe('http://[fd00::5]:4000');
  });

  it('knows no default public URL before a port-0 server listens', () => {
    expect(defaultPublicUrl('127.0.0.1', 0)).toBeUndefined();
    expect(defaultPublicUrl('127.0.0.1', 4000)).toBe('http://localhost:4000');
  });

  it('treats 127.0.0.1, ::1 and localhost as the same server', () => {
    expect(sameServer('http://127.0.0.1:3310', 'http://localhost:3310')).toBe(true);
    expect(sameServer('http://[::1]:3310/', 'http://localhost:3310')).toBe(true);
    expect(sameServer('http://localhost:3311', 'http://localhost:3310')).toBe(false);
    expect(sameServer('https://toolgate.example.com', 'http://localhost:3000')).toBe(false);
  });
});
