import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A private `redis-server` on `port` that a test may stop and start again (the shared one serves
 * other tests), loopback only; it keeps nothing unless given a data directory. Resolves once it
 * accepts connections.
 */
export function startRedisServer(
  port: number,
  { dataDir }: { dataDir?: string } = {},
): Promise<ChildProcess> {
  // With a data directory every write is on disk before it is acknowledged: a restart keeps it all.
  const persistence = dataDir
    ? ['--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

/** Kills a child process outright (an outage, not a shutdown); resolves once it has exited. */
export const stopProcess = (child: ChildProcess): Promise<void> =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
