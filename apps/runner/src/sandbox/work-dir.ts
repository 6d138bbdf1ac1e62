import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A server's private work dir (its HOME and working directory in the sandbox), made by the runner
 * under its own folder: readable by the runner's user only. Kept across restarts of the server.
 */
export async function createWorkDir(root: string, serverId: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(serverId)) throw new Error(`invalid server id ${serverId}`);
  const dir = join(root, serverId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
