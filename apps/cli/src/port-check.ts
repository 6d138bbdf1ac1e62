import { createServer } from 'node:net';
import { localUrl } from './urls.ts';

export interface PortClaim {
  variable: 'WEB_PORT' | 'PROXY_PORT' | 'WORKER_PORT';
  port: number;
}

/** The error code binding `host:port` fails with right now (EADDRINUSE, EACCES, …), if it does. */
function bindError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Every Toolgate process (web, proxy, worker) answers `GET /readyz` with `{ ready, checks }`. */
async function answersLikeToolgate(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null && 'ready' in body && 'checks' in body;
  } catch {
    return false;
  }
}

/**
 * Checked before anything starts, so a second `toolgate start` leaves nothing running: why the
 * ports cannot be used (a Toolgate already serving there, or another program), or undefined when
 * they all can. Port 0 (any free port) is always available.
 */
export async function portProblem(host: string, claims: PortClaim[]): Promise<string | undefined> {
  const busy: PortClaim[] = [];
  for (const claim of claims) {
    if (claim.port === 0) continue;
    const code = await bindError(host, claim.port);
    if (code === 'EADDRINUSE') busy.push(claim);
    else if (code) return `cannot listen on ${host}:${claim.port} (${claim.variable}): ${code}`;
  }
  if (busy.length === 0) return undefined;

  const variables = claims.map((c) => c.variable).join(', ');
  for (const claim of busy) {
    const url = localUrl(host, claim.port);
    if (await answersLikeToolgate(url)) {
      return (
        `port ${claim.port} (${claim.variable}) is in use: Toolgate already seems to be running at ${url}. ` +
        `Stop it, or set ${variables} to free ports to run another.`
      );
    }
  }
  const ports = busy.map((c) => `${c.port} (${c.variable})`).join(' and ');
  return (
    `port${busy.length > 1 ? 's' : ''} ${ports} ${busy.length > 1 ? 'are' : 'is'} in use by another program. ` +
    `Stop it, or set ${busy.map((c) => c.variable).join(' and ')} to a free port.`
  );
}
