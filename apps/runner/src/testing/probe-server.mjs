/**
 * A stand-in for a self-hosted stdio server, to probe the sandbox from inside: one JSON request
 * per stdin line, one JSON answer per stdout line. Extra arguments are ignored (tests put a
 * marker there to find the process on the host). Plain JavaScript: it runs on the bare `node`
 * inside the sandbox, where nothing of the repository (tsx included) is visible.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const children = [];

const ops = {
  ping: () => ({ ok: true, pid: process.pid }),
  env: () => ({ ok: true, env: process.env }),
  read: ({ path }) => ({ ok: true, text: readFileSync(path, 'utf8') }),
  write: ({ path }) => {
    writeFileSync(path, 'written by the probe');
    return { ok: true };
  },
  connect: ({ host, port }) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      socket.setTimeout(2_000);
      socket.once('connect', () => (socket.destroy(), resolve({ ok: true })));
      socket.once('error', (err) => resolve({ ok: false, error: err.code ?? err.message }));
      socket.once('timeout', () => (socket.destroy(), resolve({ ok: false, error: 'ETIMEDOUT' })));
    }),
  // Allocates and touches memory until something stops it.
  hog: () => {
    const held = [];
    for (;;) held.push(Buffer.alloc(4 << 20, 1));
  },
  // Starts up to `count` long-lived processes; stops at the first that cannot be started.
  spawnMany: async ({ count }) => {
    let started = 0;
    for (; started < count; started++) {
      const child = spawn('sleep', ['600'], { stdio: 'ignore' });
      if (child.pid === undefined) {
        const error = await new Promise((resolve) => child.once('error', (err) => resolve(err.code)));
        return { ok: false, started, error };
      }
      children.push(child);
    }
    return { ok: true, started };
  },
  // Another copy of this server in a session of its own: it tries to outlive its parent.
  spawnChild: () => {
    const child = spawn(process.execPath, [...process.argv.slice(1), '--stay'], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    return { ok: true, pid: child.pid };
  },
};

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = await ops[request.op](request);
  } catch (err) {
    answer = { ok: false, error: err.code ?? String(err) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
// Like a stdio server, it exits when stdin closes; a copy started with `--stay` lives until killed.
const stay = process.argv.includes('--stay');
if (stay) setInterval(() => {}, 60_000);
lines.on('close', () => {
  if (!stay) process.exit(0);
});
