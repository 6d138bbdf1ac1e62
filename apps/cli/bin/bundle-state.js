// Whether apps/cli/dist (built by scripts/bundle.mjs) still matches the sources it was built from.
// Plain JavaScript with no dependencies: bin/toolgate.js asks this before it loads anything else.
//
// dist/manifest.json lists every file the bundle was built from (the TypeScript sources of the
// workspace packages, their package.json files and the build script) with its size, mtime and
// SHA-256. A file whose size and mtime are unchanged counts as unchanged (one stat each, about a
// millisecond for the whole list); one whose mtime moved (a checkout, a turbo cache restore) is
// hashed and compared, so touching a file does not make the bundle stale but editing one does.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));
export const MANIFEST = path.join(DIST_DIR, 'manifest.json');
/** Bumped when the manifest's shape or the bundle's layout changes: older bundles are stale. */
export const MANIFEST_VERSION = 1;

export function fileFingerprint(file) {
  const stat = statSync(file);
  return { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(file) };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * `{ fresh: true, entry }` when the bundle exists and was built from the sources as they are now;
 * else `{ fresh: false, reason }` (no bundle, or the first source found changed).
 */
export function bundleState() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return { fresh: false, reason: 'not built yet' };
  }
  if (manifest.version !== MANIFEST_VERSION)
    return { fresh: false, reason: 'built by an older build script' };
  for (const [relative, built] of Object.entries(manifest.inputs)) {
    const file = path.join(REPO_ROOT, relative);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return { fresh: false, reason: `${relative} was removed` };
    }
    if (stat.size !== built.size) return { fresh: false, reason: `${relative} changed` };
    if (stat.mtimeMs !== built.mtimeMs && sha256(file) !== built.sha256) {
      return { fresh: false, reason: `${relative} changed` };
    }
  }
  return { fresh: true, entry: path.join(DIST_DIR, manifest.entries.cli) };
}
