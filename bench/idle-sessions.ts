import http from 'node:http';
import { INITIALIZE_PARAMS } from './echo-session.ts';
import { rssBytes } from './proc-stats.ts';

/** Where idle sessions are opened: the gateway's endpoint and the credential its load uses. */
export interface IdleEndpoint {
  url: string;
  authorization: string;
}

/**
 * The gateway's RSS with `count` idle sessions open: each initialized (a sealed session id: the
 * gateway keeps nothing per session) and holding its GET notification stream open (a socket and
 * a stream writer on the gateway), as connected-but-quiet clients do.
 */
export async function idleSessionsRss(
  endpoint: IdleEndpoint,
  pid: number,
  count: number,
): Promise<{ before: number; after: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const open: http.ClientRequest[] = [];
  const before = rssBytes(pid);
  try {
    for (let i = 0; i < count; i++) {
      const sessionId = await initialize(endpoint, agent);
      open.push(await stream(endpoint, streamAgent, sessionId));
    }
    return { before, after: rssBytes(pid) };
  } finally {
    for (const req of open) req.destroy();
    agent.destroy();
    streamAgent.destroy();
  }
}

function initialize(endpoint: IdleEndpoint, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      endpoint.url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: endpoint.authorization,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const id = res.headers['mcp-session-id'];
          if (res.statusCode === 200 && typeof id === 'string') resolve(id);
          else reject(new Error(`initialize answered ${res.statusCode}`));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }));
  });
}

/** Opens the session's GET stream; resolves once its headers arrived (the gateway holds it). */
function stream(endpoint: IdleEndpoint, agent: http.Agent, sessionId: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      endpoint.url,
      {
        agent,
        headers: {
          authorization: endpoint.authorization,
          accept: 'text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': INITIALIZE_PARAMS.protocolVersion,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET stream answered ${res.statusCode}`));
          return;
        }
        res.resume();
        resolve(req);
      },
    );
    req.on('error', reject);
  });
}
