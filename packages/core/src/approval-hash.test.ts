import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalArgsHash, canonicalJson } from './approval-hash.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('writes strings and numbers as JSON does, and leaves undefined properties out', () => {
    expect(canonicalJson({ s: 'é"\n', n: 1e21, f: 0.1, u: undefined })).toBe(
      '{"f":0.1,"n":1e+21,"s":"é\\"\\n"}',
    );
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('orders keys by UTF-16 code units', () => {
    expect(canonicalJson({ b: 0, B: 0, '€': 0, a: 0, '10': 0, '9': 0 })).toBe(
      '{"10":0,"9":0,"B":0,"a":0,"b":0,"€":0}',
    );
  });
});

describe('canonicalArgsHash', () => {
  it('is the SHA-256 hex of the canonical JSON', () => {
    expect(canonicalArgsHash({ to: 'a@b.test', body: 'hi' })).toBe(sha256('{"body":"hi","to":"a@b.test"}'));
  });

  it('is the same whatever the key order, and differs when a value differs', () => {
    const one = canonicalArgsHash({ path: '/tmp/x', options: { force: true, depth: 2 } });
    expect(canonicalArgsHash({ options: { depth: 2, force: true }, path: '/tmp/x' })).toBe(one);
    expect(canonicalArgsHash({ options: { depth: 2, force: false }, path: '/tmp/x' })).not.toBe(one);
    expect(canonicalArgsHash({ path: '/tmp/x', options: { force: true, depth: '2' } })).not.toBe(one);
  });

  it('hashes absent arguments as an empty object', () => {
    expect(canonicalArgsHash(undefined)).toBe(sha256('{}'));
    expect(canonicalArgsHash(null)).toBe(sha256('{}'));
    expect(canonicalArgsHash({})).toBe(sha256('{}'));
  });
});
