import { createHash } from 'node:crypto';

/**
 * Names and labels of the objects the Kubernetes backend makes. Names are DNS-1035 labels (a
 * Service name must start with a letter), at most 63 characters, and a pure function of
 * (installation, variant): every runner replica computes the same ones, so two runners ensuring
 * the same installation converge on one set of objects.
 */

export type Variant = 'stable' | 'canary';

export const MANAGED_BY = 'toolgate-runner';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  partOf: 'app.kubernetes.io/part-of',
  /** Which Toolgate deployment made it: GC by one never touches another's (shared namespaces). */
  owner: 'toolgate.dev/owner',
  tenant: 'toolgate.dev/tenant',
  installation: 'toolgate.dev/installation',
  variant: 'toolgate.dev/variant',
  version: 'toolgate.dev/version',
} as const;

export const ANNOTATION = {
  /** HMAC of what the runner last wrote: an equal hash means nothing to update. */
  specHash: 'toolgate.dev/spec-hash',
  /** On the pod template: the Secret's hash, so changed credentials roll the pod. */
  secretHash: 'toolgate.dev/secret-hash',
  server: 'toolgate.dev/server',
} as const;

const MAX_NAME = 63;
const PREFIX = 'tg-';
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const shortHash = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * `tg-{installation}` (`-canary` for the canary): a UUID fits as it is. Anything else is lowered,
 * its other characters turned into `-`, and given a hash of the original so two ids that
 * sanitize alike still get different names; cut to 63 with the hash kept.
 */
export function objectName(installationId: string, variant: Variant): string {
  const suffix = variant === 'canary' ? '-canary' : '';
  const slug = installationId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const plain = `${PREFIX}${slug}${suffix}`;
  if (slug === installationId && plain.length <= MAX_NAME && DNS_1035.test(plain)) return plain;
  const hash = `-${shortHash(`${installationId}\0${variant}`, 10)}`;
  const room = MAX_NAME - PREFIX.length - suffix.length - hash.length;
  const cut = slug.slice(0, room).replace(/-+$/g, '');
  return `${PREFIX}${cut}${cut ? hash : hash.slice(1)}${suffix}`;
}

/**
 * A label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending alphanumeric. Anything else
 * (a `+build` version, a long id) becomes a valid value with a hash; `fallback` when empty.
 */
export function labelValue(value: string | undefined, fallback = 'none'): string {
  if (!value) return fallback;
  if (value.length <= MAX_NAME && LABEL_VALUE.test(value)) return value;
  const hash = shortHash(value, 8);
  const cleaned = value.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, MAX_NAME - 9);
  const trimmed = cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return trimmed ? `${trimmed}-${hash}` : hash;
}

export const isLabelValue = (value: string): boolean => value.length <= MAX_NAME && LABEL_VALUE.test(value);
export const isDns1035Label = (value: string): boolean => value.length <= MAX_NAME && DNS_1035.test(value);

/** `k=v,k=v` (equality only), as the API server reads a labelSelector. */
export const selectorString = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
