// `npm start` runs this before `toolgate start`: it builds the admin UI (`npm run build:web`) and,
// when that build really has to run (a fresh clone, or changed sources), says so first and says
// when it is done. An up-to-date UI is replayed from turbo's cache in a second, quietly. Turbo's
// own output is shown only when the build fails.
import { spawn, spawnSync } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const BUILD = ['run', 'build:web', '--silent'];

/** Whether turbo would replay every build task from its cache (or has nothing to run). */
function upToDate() {
  const dry = spawnSync(npm, [...BUILD, '--', '--dry=json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (dry.status !== 0) return false;
  try {
    const plan = JSON.parse(dry.stdout);
    return plan.tasks.every((t) => t.command === '<NONEXISTENT>' || t.cache?.status === 'HIT');
  } catch {
    return false;
  }
}

const duration = (ms) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

/** Runs the build with its output held back; prints that output if it fails. */
function build() {
  return new Promise((resolve) => {
    const child = spawn(npm, BUILD, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      const status = code ?? (signal ? 1 : 0);
      if (status !== 0) process.stderr.write(Buffer.concat(output));
      resolve(status);
    });
  });
}

if (upToDate()) {
  process.exitCode = await build();
} else {
  const started = Date.now();
  console.log('Building the admin UI (first start, or its sources changed; usually under a minute)…');
  const ticker = setInterval(
    () => console.log(`  still building (${duration(Date.now() - started)})…`),
    30_000,
  );
  const code = await build();
  clearInterval(ticker);
  if (code === 0) console.log(`Admin UI built in ${duration(Date.now() - started)}.`);
  else console.error(`Building the admin UI failed (exit code ${code}); the build's output is above.`);
  process.exitCode = code;
}
