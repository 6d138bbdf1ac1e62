import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from './errors.ts';

/** SHA-256 as hex: how tokens, codes, links and secrets are stored (never the values themselves). */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * AES-256-GCM with a key ring so keys can rotate: the first key encrypts, any listed key
 * decrypts. Sealed values look like `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts) so
 * the key id travels with the data. `aad` binds a ciphertext to its context (e.g. a row id).
 */
export interface KeyRing {
  readonly primaryId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let primaryId: string | undefined;
  for (const entry of spec.split(',')) {
    const [id, b64] = entry.split(':');
    if (!id || !b64) throw new AppError('INVALID', 'key ring entries are "keyId:base64"');
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) throw new AppError('INVALID', `key "${id}" must be 32 bytes`);
    if (keys.has(id)) throw new AppError('INVALID', `key id "${id}" listed twice`);
    keys.set(id, key);
    primaryId ??= id;
  }
  if (!primaryId) throw new AppError('INVALID', 'key ring is empty');
  return { primaryId, keys };
}

export function generateKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const VERSION = 'v1';

export function seal(ring: KeyRing, plaintext: string | Buffer, aad?: string): string {
  const key = ring.keys.get(ring.primaryId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, ring.primaryId, iv.toString('base64url'), body.toString('base64url')].join('.');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function open(ring: KeyRing, sealed: string, aad?: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new AppError('INVALID', 'not a sealed value');
  const [, keyId, ivPart, bodyPart] = parts as [string, string, string, string];
  const key = ring.keys.get(keyId);
  if (!key) throw new AppError('INVALID', `sealed with unknown key "${keyId}"`);
  // Buffer.from skips characters outside the alphabet: without this, `id + "é"` or an id with
  // spaces inside would open as the same value, and a sealed value would not be one string.
  if (!BASE64URL.test(ivPart) || !BASE64URL.test(bodyPart))
    throw new AppError('INVALID', 'not a sealed value');
  const iv = Buffer.from(ivPart, 'base64url');
  const body = Buffer.from(bodyPart, 'base64url');
  if (iv.length !== 12 || body.length < 16 || body.toString('base64url') !== bodyPart)
    throw new AppError('INVALID', 'not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(body.subarray(body.length - 16));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch {
    throw new AppError('INVALID', 'sealed value failed authentication');
  }
}

export const openString = (ring: KeyRing, sealed: string, aad?: string): string =>
  open(ring, sealed, aad).toString('utf8');
