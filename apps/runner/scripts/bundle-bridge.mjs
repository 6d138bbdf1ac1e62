// Bundles the Kubernetes bridge (apps/runner/src/kubernetes/bridge/main.ts) into
// apps/runner/dist/bridge.js for the `bridge` image (docker/Dockerfile): every @toolgate/*
// workspace package is bundled in, third-party packages stay imports resolved from the
// repository's node_modules, so the output runs where it is built, next to them.
//
//   node apps/runner/scripts/bundle-bridge.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ['apps/runner/src/kubernetes/bridge/main.ts'],
  outfile: 'apps/runner/dist/bridge.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'toolgate-externals',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('@toolgate/') || path.isAbsolute(args.path)) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});
