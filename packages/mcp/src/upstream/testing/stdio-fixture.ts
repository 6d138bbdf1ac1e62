/**
 * Child-process entry of the stdio fixture server (run with `node --import tsx`).
 * FIXTURE_FAIL_START=<code> makes it write to stderr and exit before answering anything;
 * FIXTURE_IGNORE_SIGTERM=1 makes it outlive SIGTERM and stdin closing, as stubborn servers do.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFixtureServer } from './fixture-server.ts';

const failStart = process.env.FIXTURE_FAIL_START;
if (failStart !== undefined) {
  process.stderr.write('fixture: refusing to start (missing FIXTURE_API_KEY)\n');
  process.exit(Number(failStart));
}

const stubborn = process.env.FIXTURE_IGNORE_SIGTERM === '1';
if (stubborn) {
  process.on('SIGTERM', () => undefined);
  // Something still running keeps it alive once stdin has closed.
  setInterval(() => undefined, 60_000);
}

const server = createFixtureServer({ aborted: [] });
await server.connect(new StdioServerTransport());
// The SDK keeps running after stdin closes; a well-behaved server exits with its client.
process.stdin.on('end', () => {
  if (!stubborn) process.exit(0);
});
