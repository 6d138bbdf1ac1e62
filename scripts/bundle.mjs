// Bundles the production entry points ahead of time, so no TypeScript loader runs in production:
//
//   apps/cli/src/main.ts          → apps/cli/dist/toolgate.js (toolgate start | web | proxy | worker | …)
//   bench/gateway-process.ts      → apps/cli/dist/bench/gateway-process.js
//   bench/usage-worker-process.ts → apps/cli/dist/bench/usage-worker-process.js
//
// Every @toolgate/* workspace package (TypeScript sources) is bundled in; third-party packages stay
// external and load from node_modules as before. Dynamic imports (the management server, the mailer,
// the Redis bus, OpenTelemetry) become chunks loaded on first use. `import.meta.url` in a bundled
// source is rewritten to that source's own location, relative to the chunk that runs it, so files
// found next to the sources (packages/db/migrations, apps/web's Next.js build) are found from the
// bundle too, wherever the repository lives. The outputs are placed next to the sources they were
// built from and need them: they are not meant to be copied elsewhere.
//
//   node scripts/bundle.mjs             build (turbo: `npm run build`, `npm run build:bundle`)
//   node scripts/bundle.mjs --if-stale  build only if a source changed since the last build, saying
//                                       so; silent when up to date (`npm start`, `npm run bench`)
//
// apps/cli/dist/manifest.json records what the bundle was built from; apps/cli/bin/bundle-state.js
// reads it to tell whether the bundle is current (bin/toolgate.js runs the sources when it is not).
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bundleState,
  DIST_DIR,
  fileFingerprint,
  MANIFEST_VERSION,
  REPO_ROOT,
} from '../apps/cli/bin/bundle-state.js';

const BUILDS = [
  { outdir: '.', entryPoints: { toolgate: 'apps/cli/src/main.ts' } },
  {
    outdir: 'bench',
    entryPoints: {
      'gateway-process': 'bench/gateway-process.ts',
      'usage-worker-process': 'bench/usage-worker-process.ts',
    },
  },
];
const ENTRIES = {
  cli: 'toolgate.js',
  benchGateway: 'bench/gateway-process.js',
  benchUsageWorker: 'bench/usage-worker-process.js',
};
const toPosix = (p) => p.split(path.sep).join('/');
const THIS_SCRIPT = toPosix(path.relative(REPO_ROOT, fileURLToPath(import.meta.url)));

const inNodeModules = (file) => file.split(path.sep).includes('node_modules');

/** Third-party packages (any bare specifier but @toolgate/*) and Node built-ins stay imports. */
const externals = {
  name: 'toolgate-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@toolgate/') || path.isAbsolute(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** `import.meta.url` → the bundled source's own URL, computed from the chunk's at run time. */
function ownLocation(outdir) {
  return {
    name: 'toolgate-own-location',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
        if (inNodeModules(args.path)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const where = path.relative(REPO_ROOT, args.path);
        for (const unsupported of [
          'import.meta.dirname',
          'import.meta.filename',
          '__dirname',
          '__filename',
        ]) {
          if (source.includes(unsupported)) {
            return {
              errors: [{ text: `${where}: use import.meta.url, not ${unsupported} (scripts/bundle.mjs)` }],
            };
          }
        }
        if (!source.includes('import.meta.url')) return undefined;
        // Every output lands directly in `outdir` (no sub-folders), so one relative path serves
        // whichever chunk this module ends up in.
        const relative = toPosix(path.relative(outdir, args.path));
        const expression = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return {
          contents: source.replaceAll('import.meta.url', expression),
          loader: args.path.endsWith('x') ? 'tsx' : 'ts',
        };
      });
    },
  };
}

/** The package folder a bare specifier resolves to from `dir` (Node's node_modules walk). */
function packageDir(specifier, dir) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', name);
    if (existsSync(candidate)) return realpathSync(candidate);
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * The bundle loads third-party packages from its own folder, not from the package that imports
 * them. Fail if that would find a different copy (a workspace with its own nested version).
 */
function checkExternals(metafile, outdir) {
  const problems = [];
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const imp of imports) {
      if (!imp.external || imp.path.startsWith('node:') || !/^[^./]/.test(imp.path)) continue;
      const fromSource = packageDir(imp.path, path.dirname(path.join(REPO_ROOT, input)));
      if (fromSource === undefined) continue; // a Node built-in without the node: prefix
      const fromBundle = packageDir(imp.path, outdir);
      if (fromSource !== fromBundle) {
        problems.push(
          `${input} imports ${imp.path}: ${fromSource} from its source, ${fromBundle} from the bundle`,
        );
      }
    }
  }
  if (problems.length)
    throw new Error(`a bundled import would load another copy:\n  ${problems.join('\n  ')}`);
}

/** Builds everything into a fresh folder, then swaps it in place of apps/cli/dist. */
async function bundle() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (it comes with tsx); run `npm install`');
  }
  const staging = `${DIST_DIR}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const inputs = new Set([THIS_SCRIPT]);
  try {
    for (const { outdir, entryPoints } of BUILDS) {
      const absoluteOut = path.join(staging, outdir);
      // Where the outputs will be once swapped in: own-location paths and resolution are from there.
      const finalOut = path.join(DIST_DIR, outdir);
      const result = await esbuild.build({
        absWorkingDir: REPO_ROOT,
        entryPoints,
        outdir: absoluteOut,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'linked',
        sourcesContent: false,
        metafile: true,
        logLevel: 'warning',
        chunkNames: 'chunk-[hash]',
        plugins: [externals, ownLocation(finalOut)],
      });
      checkExternals(result.metafile, finalOut);
      for (const input of Object.keys(result.metafile.inputs)) {
        if (!inNodeModules(input)) inputs.add(input);
      }
    }
    // Each bundled package's manifest: its `exports` decide which file an import resolves to.
    for (const input of [...inputs]) {
      for (let d = path.dirname(input); d !== '.'; d = path.dirname(d)) {
        if (existsSync(path.join(REPO_ROOT, d, 'package.json'))) {
          inputs.add(toPosix(path.join(d, 'package.json')));
          break;
        }
      }
    }
    const manifest = {
      version: MANIFEST_VERSION,
      entries: ENTRIES,
      inputs: Object.fromEntries(
        [...inputs].sort().map((input) => [input, fileFingerprint(path.join(REPO_ROOT, input))]),
      ),
    };
    await writeFile(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    await writeFile(path.join(staging, 'package.json'), '{ "type": "module" }\n');
    const old = `${DIST_DIR}.old-${process.pid}`;
    await rename(DIST_DIR, old).catch((err) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, DIST_DIR);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

const ifStale = process.argv.includes('--if-stale');
const started = Date.now();
if (ifStale) {
  const state = bundleState();
  if (state.fresh) process.exit(0);
  console.log(`Bundling the server into apps/cli/dist (${state.reason})…`);
}
try {
  await mkdir(path.dirname(DIST_DIR), { recursive: true });
  await bundle();
  console.log(`Bundled the server into apps/cli/dist in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (err) {
  console.error(`Bundling the server failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
