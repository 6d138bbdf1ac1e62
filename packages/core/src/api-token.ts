import { randomBytes } from 'node:crypto';
import { sha256Hex } from './crypto.ts';

/**
 * API tokens: `tg_` + 40 base62 characters of randomness (~238 bits) + 6 base62 characters of
 * CRC-32 checksum, so secret scanners can recognise a real token offline and typos fail fast
 * without a database lookup. Only the SHA-256 of the token is stored.
 */
export const API_TOKEN_PREFIX = 'tg_';
const BODY_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_RE = new RegExp(`^${API_TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

export interface NewApiToken {
  token: string;
  hash: string;
  /** Safe to show and store: identifies the token in lists. */
  displayPrefix: string;
}

export function generateApiToken(): NewApiToken {
  let body = '';
  // Rejection sampling keeps every character uniform over the 62-letter alphabet.
  while (body.length < BODY_LENGTH) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && body.length < BODY_LENGTH) body += ALPHABET[byte % 62];
    }
  }
  const token = `${API_TOKEN_PREFIX}${body}${checksum(body)}`;
  return { token, hash: hashApiToken(token), displayPrefix: token.slice(0, 10) };
}

export function isWellFormedApiToken(token: string): boolean {
  if (!TOKEN_RE.test(token)) return false;
  const body = token.slice(API_TOKEN_PREFIX.length, API_TOKEN_PREFIX.length + BODY_LENGTH);
  return token.endsWith(checksum(body));
}

export function hashApiToken(token: string): string {
  return sha256Hex(token);
}

function checksum(body: string): string {
  let n = crc32(Buffer.from(body));
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
