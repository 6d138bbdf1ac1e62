#!/usr/bin/env node
// Runs the bundle that scripts/bundle.mjs builds (apps/cli/dist/toolgate.js: plain JavaScript, no
// TypeScript loader, nothing compiled at start-up) when it exists and was built from the sources as
// they are now (bundle-state.js compares them with the list of files it was built from). Otherwise
// — a fresh clone before `npm run build`, or a source edited since — it runs the TypeScript sources
// through tsx as before, so an edit is never hidden behind an old bundle. TOOLGATE_FROM_SOURCES=1
// always runs the sources. NODE_DEBUG=toolgate says on stderr which one runs, and why.
import { debuglog } from 'node:util';
import { pathToFileURL } from 'node:url';
import { bundleState } from './bundle-state.js';

const fromSources = ['1', 'true', 'yes'].includes(process.env.TOOLGATE_FROM_SOURCES ?? '');
const state = fromSources ? { fresh: false, reason: 'TOOLGATE_FROM_SOURCES is set' } : bundleState();
const debug = debuglog('toolgate');
if (state.fresh) {
  debug('running the bundle %s', state.entry);
  await import(pathToFileURL(state.entry).href);
} else {
  debug('running the sources through tsx (bundle: %s)', state.reason);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
