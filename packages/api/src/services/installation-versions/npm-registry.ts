import { AppError } from '@toolgate/core/errors';
import { z } from 'zod';
import type { OfferedVersion } from '../../schemas/installation-versions.ts';
import { compareVersions, isExactVersion, isPrerelease } from './semver.ts';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
export const DEFAULT_NPM_REGISTRY_TIMEOUT_MS = 10_000;

/** Where versions are looked up: the registry runners install from, and how long to wait for it. */
export interface NpmRegistryOptions {
  /** Base URL; default https://registry.npmjs.org/. */
  registryUrl?: string;
  timeoutMs?: number;
}

/** The abbreviated metadata document (`application/vnd.npm.install-v1+json`), the parts read here. */
const ZAbbreviatedPackument = z.object({
  name: z.string().optional(),
  'dist-tags': z.record(z.string(), z.string()).optional(),
  versions: z.record(
    z.string(),
    z.object({ deprecated: z.union([z.string(), z.boolean()]).optional() }).loose(),
  ),
});

/** npm's rule for new package names (validate-npm-package-name): no `..`, no path tricks. */
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export interface RegistryVersions {
  latest: string | null;
  /** Newest first. */
  versions: OfferedVersion[];
}

/**
 * The registry path of a package: a scoped name keeps its `@` and has its slash escaped
 * (`@scope%2fname`), as the npm client asks for it.
 */
export function packagePath(name: string): string {
  if (name.startsWith('@')) return `@${encodeURIComponent(name.slice(1))}`;
  return encodeURIComponent(name);
}

/**
 * The versions the npm registry offers for a package, newest first, with `latest` marked.
 * UNAVAILABLE when the registry cannot be reached or answers with something else than a
 * package document; INVALID when it does not know the package.
 */
export async function fetchRegistryVersions(
  packageName: string,
  {
    registryUrl = DEFAULT_NPM_REGISTRY,
    timeoutMs = DEFAULT_NPM_REGISTRY_TIMEOUT_MS,
  }: NpmRegistryOptions = {},
): Promise<RegistryVersions> {
  if (!NPM_NAME.test(packageName) || packageName.length > 214)
    throw new AppError('INVALID', `"${packageName}" is not an npm package name`);
  const base = registryUrl.endsWith('/') ? registryUrl : `${registryUrl}/`;
  const url = new URL(packagePath(packageName), base);
  const where = new URL(base).host;
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 404)
      throw new AppError('INVALID', `The npm registry (${where}) has no package "${packageName}"`);
    if (!response.ok)
      throw new AppError(
        'UNAVAILABLE',
        `The npm registry (${where}) answered ${response.status} for "${packageName}"; try again later`,
      );
    body = await response.json();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const reason =
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
        ? `did not answer within ${timeoutMs} ms`
        : 'could not be reached';
    throw new AppError('UNAVAILABLE', `The npm registry (${where}) ${reason}; try again later`);
  }
  const parsed = ZAbbreviatedPackument.safeParse(body);
  if (!parsed.success)
    throw new AppError(
      'UNAVAILABLE',
      `The npm registry (${where}) sent no package document for "${packageName}"`,
    );
  const latest = parsed.data['dist-tags']?.latest ?? null;
  const versions = Object.entries(parsed.data.versions)
    .filter(([version]) => isExactVersion(version))
    .sort(([a], [b]) => compareVersions(b, a))
    .map(([version, meta]) => ({
      version,
      latest: version === latest,
      prerelease: isPrerelease(version),
      deprecated:
        typeof meta.deprecated === 'string' && meta.deprecated !== '' ? meta.deprecated.slice(0, 500) : null,
    }));
  return { latest, versions };
}
