import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { slugify } from '@toolgate/core/slug';
import { createSsrfGuard, SsrfGuardError } from '@toolgate/net/ssrf-guard';
import { z } from 'zod';
import { ZHttpUrl } from '../schemas/common.ts';
import { invalidInput } from '../validation.ts';

export const ZProbeServerRequest = z.object({ url: ZHttpUrl });

export const ZProbeResult = z.object({
  url: z.string(),
  reachable: z.boolean(),
  /** It answered as an MCP server (or asked for credentials as one); false with `detail` saying why not. */
  speaksMcp: z.boolean(),
  transport: z.enum(['streamable_http', 'sse']).nullable(),
  /** The server answered 401: it wants credentials (OAuth when it names an authorization server). */
  requiresAuth: z.boolean(),
  suggestedAuthKind: z.enum(['none', 'header', 'oauth']),
  authorizationServers: z.array(z.string()),
  serverInfo: z.object({ name: z.string(), version: z.string().optional() }).nullable(),
  suggestedName: z.string(),
  suggestedSlug: z.string(),
  /** Why the probe could not tell more, for the person adding the server. */
  detail: z.string().nullable(),
});
export type ProbeResult = z.infer<typeof ZProbeResult>;

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const MAX_BODY = 64 * 1024;

/**
 * "Add custom server": given only a URL, find out whether it is reachable, which MCP transport
 * it speaks (Streamable HTTP, else the legacy HTTP+SSE), and whether it demands OAuth (a 401
 * whose `WWW-Authenticate` names RFC 9728 protected-resource metadata). Every connection goes
 * through the SSRF guard, including at connect time; redirects are not followed.
 */
export async function probeServer({
  url,
  allowPrivate,
  timeoutMs = 5_000,
}: {
  url: string;
  allowPrivate: boolean;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw invalidInput([{ path: 'url', message: 'must be an http:// or https:// URL' }]);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw invalidInput([{ path: 'url', message: 'must be an http:// or https:// URL' }]);
  }
  const guard = createSsrfGuard({ allowPrivate });
  try {
    await guard(target);
  } catch (err) {
    if (err instanceof SsrfGuardError && err.kind === 'blocked')
      throw invalidInput([{ path: 'url', message: err.message }]);
    return result(target, { reachable: false, detail: (err as Error).message });
  }
  const exchange = (
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body?: string,
    stopWhen?: (text: string) => boolean,
  ) => send(target, method, headers, body, guard.lookup, timeoutMs, stopWhen);

  let answer: Exchange;
  try {
    answer = await exchange(
      'POST',
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'toolgate-probe', version: '1' },
        },
      }),
      (text) => text.includes('"result"') || text.includes('"error"'),
    );
  } catch (err) {
    return result(target, { reachable: false, detail: (err as Error).message });
  }

  if (answer.status === 401) {
    const challenge = String(answer.headers['www-authenticate'] ?? '');
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    const servers = metadataUrl ? await authorizationServers(metadataUrl, guard, timeoutMs) : [];
    return result(target, {
      reachable: true,
      speaksMcp: true,
      transport: 'streamable_http',
      requiresAuth: true,
      suggestedAuthKind: servers.length > 0 ? 'oauth' : 'header',
      authorizationServers: servers,
      detail:
        servers.length > 0 ? null : 'The server wants credentials but names no OAuth authorization server',
    });
  }
  const info = initializeResult(answer.body);
  if (answer.status >= 200 && answer.status < 300 && info) {
    return result(target, {
      reachable: true,
      speaksMcp: true,
      transport: 'streamable_http',
      serverInfo: info,
    });
  }

  // Not Streamable HTTP: a legacy server announces its message endpoint on a GET stream.
  try {
    const stream = await exchange('GET', { accept: 'text/event-stream' }, undefined, (text) =>
      /event:\s*endpoint/.test(text),
    );
    if (stream.status === 200 && /event:\s*endpoint/.test(stream.body)) {
      return result(target, { reachable: true, speaksMcp: true, transport: 'sse' });
    }
    if (stream.status === 401) {
      return result(target, {
        reachable: true,
        speaksMcp: true,
        transport: 'sse',
        requiresAuth: true,
        suggestedAuthKind: 'header',
      });
    }
  } catch {
    // Reported below with what the POST said.
  }
  return result(target, { reachable: true, detail: notMcp(answer) });
}

function result(target: URL, found: Partial<ProbeResult>): ProbeResult {
  const name =
    found.serverInfo?.name ?? target.hostname.replace(/^(www|mcp|api)\./, '').split('.')[0] ?? 'server';
  return {
    url: target.toString(),
    reachable: false,
    speaksMcp: false,
    transport: null,
    requiresAuth: false,
    suggestedAuthKind: 'none',
    authorizationServers: [],
    serverInfo: null,
    detail: null,
    ...found,
    suggestedName: name,
    suggestedSlug: slugify(name) || 'server',
  };
}

/** Why an answer is not an MCP server's, in words for the person adding it. */
function notMcp(answer: Exchange): string {
  const type = String(answer.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  const what =
    answer.status >= 200 && answer.status < 300
      ? `answered HTTP ${answer.status}${type ? ` with ${type}` : ''}`
      : `answered HTTP ${answer.status}`;
  return `That address ${what} but did not answer as an MCP server (no JSON-RPC initialize result, and no SSE endpoint). Check the URL: it is usually the server's /mcp or /sse path.`;
}

function initializeResult(body: string): ProbeResult['serverInfo'] | undefined {
  const candidates = body.trim().startsWith('{')
    ? [body]
    : body
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim());
  for (const text of candidates) {
    try {
      const message = JSON.parse(text) as { result?: { serverInfo?: { name?: unknown; version?: unknown } } };
      const info = message.result?.serverInfo;
      if (message.result && typeof info?.name === 'string') {
        return { name: info.name, ...(typeof info.version === 'string' ? { version: info.version } : {}) };
      }
      if (message.result) return { name: '' };
    } catch {
      // Not this line.
    }
  }
  return undefined;
}

async function authorizationServers(
  metadataUrl: string,
  guard: ReturnType<typeof createSsrfGuard>,
  timeoutMs: number,
): Promise<string[]> {
  try {
    const url = new URL(metadataUrl);
    await guard(url);
    const answer = await send(url, 'GET', { accept: 'application/json' }, undefined, guard.lookup, timeoutMs);
    const doc = JSON.parse(answer.body) as { authorization_servers?: unknown };
    return Array.isArray(doc.authorization_servers)
      ? doc.authorization_servers.filter((s): s is string => typeof s === 'string')
      : [];
  } catch {
    return [];
  }
}

function send(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  lookup: ReturnType<typeof createSsrfGuard>['lookup'],
  timeoutMs: number,
  stopWhen?: (text: string) => boolean,
): Promise<Exchange> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, lookup, timeout: timeoutMs }, (res) => {
      let text = '';
      const finish = () => {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > MAX_BODY || stopWhen?.(text)) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
