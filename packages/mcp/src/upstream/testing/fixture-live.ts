import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** One session of a fixture server, as its siblings reach it (a change on the server is everyone's). */
export interface FixturePeer {
  touch(uri: string): boolean;
  redescribe(kind: 'tool' | 'prompt', description: string): void;
}

export interface LiveLog {
  /** resources/subscribe and unsubscribe received, as `+uri` / `-uri`, across sessions. */
  subscriptions?: string[];
  /** The sessions of one fixture (HTTP: one server instance per session). */
  peers?: Set<FixturePeer>;
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/**
 * What a server does outside calls, for the gateway's live notifications: resources one can
 * subscribe to and touch (notifications/resources/updated to the sessions that subscribed), a tool
 * and a prompt whose descriptions change (list_changed to every session), and tools added at run
 * time. Changes apply to every session of the fixture, as they would on a real server.
 */
export function registerLiveFeatures(server: McpServer, log: LiveLog): void {
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, ({ params }) => {
    if (!params.uri.startsWith('memo://'))
      throw new McpError(ErrorCode.InvalidParams, `No such resource: ${params.uri}`);
    subscribed.add(params.uri);
    log.subscriptions?.push(`+${params.uri}`);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, ({ params }) => {
    subscribed.delete(params.uri);
    log.subscriptions?.push(`-${params.uri}`);
    return {};
  });
  for (const uri of ['memo://one', 'memo://two'])
    server.registerResource(uri, uri, { mimeType: 'text/plain' }, () => ({
      contents: [{ uri, text: `contents of ${uri}` }],
    }));
  const motd = server.registerTool('motd', { description: 'Message of the day' }, () => text('hello'));
  const greeting = server.registerPrompt('greeting', { description: 'A greeting' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'Hello' } }],
  }));

  const peer: FixturePeer = {
    touch(uri) {
      if (!subscribed.has(uri)) return false;
      setImmediate(() => void server.server.sendResourceUpdated({ uri }).catch(() => undefined));
      return true;
    },
    // `update` sends notifications/{tools,prompts}/list_changed, unrelated to any call.
    redescribe(kind, description) {
      if (kind === 'tool') motd.update({ description });
      else greeting.update({ description });
    },
  };
  const peers = log.peers ?? new Set([peer]);
  peers.add(peer);
  server.server.onclose = () => void peers.delete(peer);
  const everyone = () => [...peers];

  server.registerTool('add-tool', { inputSchema: { name: z.string() } }, ({ name }) => {
    server.registerTool(name, { description: 'Added at run time' }, () => text(name));
    return text(`added ${name}`);
  });
  server.registerTool('touch', { inputSchema: { uri: z.string() } }, ({ uri }) => {
    const sessions = everyone().filter((p) => p.touch(uri)).length;
    return text(`updated in ${sessions} session(s)`);
  });
  server.registerTool(
    'redescribe',
    { inputSchema: { kind: z.enum(['tool', 'prompt']), description: z.string() } },
    ({ kind, description }) => {
      for (const p of everyone()) p.redescribe(kind, description);
      return text('redescribed');
    },
  );
}
