/**
 * A runner in miniature, for the no-orphans test: starts one sandboxed probe server, has it start
 * a detached copy of itself, prints `{"ready":true,...}` and waits to be killed.
 *   ORPHAN_MARKER=<unique> ORPHAN_ROOT=<dir> node --import tsx apps/runner/src/testing/orphan-parent.ts
 * The marker goes on the servers' command lines only, not on this process's.
 */
import { createLogger } from '@toolgate/core/logger';
import { createSandboxBackend } from '../sandbox/sandbox-backend.ts';
import { createWorkDir } from '../sandbox/work-dir.ts';
import { probeClient, probeSpec } from './probe.ts';

const marker = process.env.ORPHAN_MARKER;
const root = process.env.ORPHAN_ROOT;
if (!marker || !root) throw new Error('ORPHAN_MARKER and ORPHAN_ROOT are required');

const log = createLogger({ name: 'orphan-parent', level: 'warn', destination: process.stderr });
const backend = await createSandboxBackend({ log });
const spec = probeSpec(await createWorkDir(root, 'orphan'), { id: 'orphan' });
const server = await backend.start({ ...spec, args: [...spec.args, marker] });
const answer = await probeClient(server)({ op: 'spawnChild' });
process.stdout.write(`${JSON.stringify({ ready: true, limits: backend.limits, child: answer })}\n`);
setInterval(() => {}, 60_000);
