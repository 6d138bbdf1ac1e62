/**
 * A minimal stdio MCP server for runner tests that probe the sandbox through the MCP path: one
 * tool, `connect` {host, port}, answering whether a TCP connection could be opened. Plain
 * JavaScript without dependencies: it runs on the bare `node` inside the sandbox.
 */
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

const tryConnect = ({ host, port }) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (err) => resolve(`failed: ${err.code ?? err.message}`));
    socket.once('timeout', () => (socket.destroy(), resolve('failed: ETIMEDOUT')));
  });

const handlers = {
  initialize: ({ protocolVersion }) => ({
    protocolVersion,
    capabilities: { tools: {} },
    serverInfo: { name: 'mcp-probe', version: '1.0.0' },
  }),
  ping: () => ({}),
  'tools/list': () => ({
    tools: [
      {
        name: 'connect',
        description: 'Opens a TCP connection to host:port and says whether it could.',
        inputSchema: {
          type: 'object',
          properties: { host: { type: 'string' }, port: { type: 'number' } },
          required: ['host', 'port'],
        },
      },
    ],
  }),
  'tools/call': async ({ name, arguments: args }) => {
    if (name !== 'connect') throw Object.assign(new Error(`no tool ${name}`), { code: -32602 });
    return { content: [{ type: 'text', text: await tryConnect(args) }] };
  },
};

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return; // notifications
  const handler = handlers[message.method];
  if (!handler) return send({ id: message.id, error: { code: -32601, message: 'Method not found' } });
  try {
    send({ id: message.id, result: await handler(message.params ?? {}) });
  } catch (err) {
    send({ id: message.id, error: { code: err.code ?? -32603, message: err.message } });
  }
});
lines.on('close', () => process.exit(0));
