import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Workspace folders (`apps/*`, `packages/*`, `tooling/*`) that have a package.json. */
function workspaces(): string[] {
  const globs = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
  ).workspaces;
  return globs.flatMap((glob) => {
    const parent = glob.replace(/\/\*$/, '');
    return readdirSync(path.join(ROOT, parent))
      .map((name) => `${parent}/${name}`)
      .filter((dir) => existsSync(path.join(ROOT, dir, 'package.json')));
  });
}

describe('docker/Dockerfile', () => {
  it('copies every workspace manifest before `npm ci` (else the install fails on the lockfile)', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('npm ci'));
    const copied = new Set([...beforeInstall.matchAll(/^COPY\s+(\S+)\/package\.json\s/gm)].map((m) => m[1]));
    const found = workspaces();
    expect(found).toContain('packages/auth');
    expect(found.filter((w) => !copied.has(w))).toEqual([]);
  });

  it('builds the cli bundle and runs it: no TypeScript loader in the images', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8');
    // @toolgate/cli's build (scripts/bundle.mjs) depends on @toolgate/web's (next build).
    expect(dockerfile).toMatch(/^RUN npx turbo run build --filter=@toolgate\/cli\b/m);
    const commands = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].map((m) => JSON.parse(m[1]!) as string[]);
    // Every Toolgate image runs the cli bundle; the bridge (a server's pod) runs its own.
    const cli = commands.filter((c) => c[1] === 'apps/cli/dist/toolgate.js');
    expect(cli.map((c) => c.at(-1))).toEqual(['web', 'proxy', 'worker', 'runner']);
    expect(commands.filter((c) => !cli.includes(c))).toEqual([['node', 'apps/runner/dist/bridge.js']]);
    for (const command of cli) expect(command[0]).toBe('node');
    expect(dockerfile).not.toMatch(/--import[= ]tsx|tsx\/esm/);
  });
});
