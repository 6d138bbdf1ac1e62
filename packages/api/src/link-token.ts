import { randomBytes } from 'node:crypto';
import { sha256Hex } from './canonical-json.ts';

/**
 * Secrets carried by emailed links (password reset, invitation): 32 random bytes as base64url.
 * Only the SHA-256 is stored, so a database leak yields no usable link.
 */
export interface LinkToken {
  token: string;
  hash: string;
}

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const hashLinkToken: (token: string) => string = sha256Hex;

export function newLinkToken(): LinkToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

/** Whether a token could be one of ours; anything else is refused without a lookup. */
export const isWellFormedLinkToken = (token: unknown): token is string =>
  typeof token === 'string' && LINK_TOKEN.test(token);

/** Where emailed links point: the public web origin plus a path (no double slash). */
export const publicLink = (publicWebUrl: string, path: string): string =>
  `${publicWebUrl.replace(/\/+$/, '')}${path}`;
