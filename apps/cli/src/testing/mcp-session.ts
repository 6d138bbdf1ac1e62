import { expect } from 'vitest';

/**
 * One JSON-RPC message POSTed to a gateway (Streamable HTTP), the answer read whether it came as
 * JSON or as an SSE stream (its last `data:` line).
 */
export async function postRpc(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const data = text.startsWith('{')
    ? text
    : (text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .at(-1)
        ?.slice(6) ?? 'null');
  return {
    status: res.status,
    headers: res.headers,
    json: JSON.parse(data) as Record<string, unknown> | null,
  };
}

/** Initializes a 2025-11-25 session on `url` with `bearer`; returns the headers that address it. */
export async function openSession(url: string, bearer: string): Promise<Record<string, string>> {
  const auth = { authorization: `Bearer ${bearer}` };
  const init = await postRpc(
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    },
    auth,
  );
  expect(init.status).toBe(200);
  return {
    ...auth,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
}
