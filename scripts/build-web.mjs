// `npm start` runs this before `toolgate start`: it builds the admin UI (`npm run build:web`) and,
// when that build really has to run (a fresh clone, or changed sources), says so first, because
// it takes minutes and prints nothing until it fails. Turbo's cache makes an up-to-date UI a quiet
// second or two.
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

function build() {
  return new Promise((resolve) => {
    const child = spawn(npm, BUILD, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (upToDate()) {
  process.exitCode = await build();
} else {
  const started = Date.now();
  console.log('Building the admin UI (first start, or its sources changed): about 3 minutes on 2 cores…');
  const ticker = setInterval(
    () => console.log(`  still building (${duration(Date.now() - started)})…`),
    60_000,
  );
  const code = await build();
  clearInterval(ticker);
  if (code === 0) console.log(`Admin UI built in ${duration(Date.now() - started)}. Starting Toolgate…`);
  else console.error(`Building the admin UI failed (exit code ${code}); see the errors above.`);
  process.exitCode = code;
}
