import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@toolgate/core/logger';
import { npmInstall } from './npm-install.ts';
import { type PackageRef, packageFolderName } from './package-spec.ts';

export interface PackageInstallerOptions {
  /** The package cache: one folder per name and version, `{dir}/@scope+name@1.2.3`. */
  dir: string;
  /** npm's HOME (its download cache): outside the package cache, never shown to a server. */
  npmHome: string;
  registry: string;
  timeoutMs: number;
  log: Logger;
}

/** A temporary install folder older than this was left by a runner that died while installing. */
const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Installs npm packages into the per-version cache, each version exactly once: concurrent starts
 * share one install (in-flight promise), and an install goes to a temporary folder renamed into
 * place when complete, so a folder in the cache is always a finished install (a second runner
 * process sharing the folder that loses the rename uses the winner's).
 */
export class PackageInstaller {
  private readonly inFlight = new Map<string, Promise<string>>();
  private swept = false;

  constructor(private readonly options: PackageInstallerOptions) {}

  /** The folder holding `node_modules/<name>` at exactly `ref.version`, installed if needed. */
  install(ref: PackageRef): Promise<string> {
    const folder = packageFolderName(ref);
    let pending = this.inFlight.get(folder);
    if (!pending) {
      pending = this.installOnce(ref, folder).finally(() => this.inFlight.delete(folder));
      this.inFlight.set(folder, pending);
    }
    return pending;
  }

  private async installOnce(ref: PackageRef, folder: string): Promise<string> {
    const { dir, log } = this.options;
    const final = join(dir, folder);
    if (await isDirectory(final)) return this.checked(final, ref);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await mkdir(this.options.npmHome, { recursive: true, mode: 0o700 });
    await this.sweep();
    const tmp = join(dir, `.tmp-${folder}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { mode: 0o755 });
    const started = Date.now();
    try {
      // A package.json of its own: npm installs here, not into a project found further up.
      await writeFile(
        join(tmp, 'package.json'),
        `${JSON.stringify({ name: 'toolgate-package', private: true })}\n`,
      );
      await npmInstall(ref, {
        cwd: tmp,
        home: this.options.npmHome,
        registry: this.options.registry,
        timeoutMs: this.options.timeoutMs,
      });
      await this.checked(tmp, ref);
      try {
        await rename(tmp, final);
      } catch (err) {
        // Another process finished the same version first: its install is as good as ours.
        if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        await rm(tmp, { recursive: true, force: true });
        return this.checked(final, ref);
      }
      log.info({ package: `${ref.name}@${ref.version}`, ms: Date.now() - started }, 'package installed');
      return final;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
  }

  /** The installed package.json must say the version asked for (npm resolved nothing else). */
  private async checked(folder: string, ref: PackageRef): Promise<string> {
    const manifest = await readFile(join(folder, 'node_modules', ref.name, 'package.json'), 'utf8')
      .then((text) => JSON.parse(text) as { version?: unknown })
      .catch(() => undefined);
    if (manifest?.version !== ref.version)
      throw new Error(
        `the package cache folder ${folder} does not hold ${ref.name}@${ref.version} (delete it to install again)`,
      );
    return folder;
  }

  private async sweep(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      if (!name.startsWith('.tmp-')) continue;
      const path = join(this.options.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(path, { recursive: true, force: true }).catch(() => {});
    }
  }
}

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
