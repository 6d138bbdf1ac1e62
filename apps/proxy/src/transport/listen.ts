import type { ServerResponse } from 'node:http';
import type { JsonRpcRequestMessage } from '@toolgate/mcp/jsonrpc';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { UsageDraft } from '../usage/meter.ts';
import { SseWriter } from './http-util.ts';
import type { HubStream, StreamHub } from './stream-hub.ts';

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/**
 * `subscriptions/listen` (2026-07-28): the modern notification stream. The gateway honours
 * `toolsListChanged` (its exposed tool set, re-read whenever an admin changes the gateway, on
 * every replica) and acknowledges only that; every notification names the subscription (the
 * listen request's id). The client ends the subscription by closing the stream.
 */
export function listen(
  res: ServerResponse,
  gateway: PreparedGateway,
  message: JsonRpcRequestMessage,
  hub: StreamHub,
  usage: UsageDraft,
): void {
  const requested = message.params?.notifications as Record<string, unknown> | undefined;
  const honored = requested?.toolsListChanged === true ? { toolsListChanged: true } : {};
  const meta = { [SUBSCRIPTION_ID]: message.id };
  const writer = new SseWriter(res);
  usage.sent(
    writer.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: honored, _meta: meta },
    }),
  );
  usage.accepted();
  const stream: HubStream = {
    send(notification) {
      if (!honored.toolsListChanged) return 0;
      const { params, ...rest } = notification as { params?: Record<string, unknown> };
      return writer.send({ ...rest, params: { ...params, _meta: meta } });
    },
    comment: (text) => writer.comment(text),
    end: () => writer.end(),
    onClose: (listener) => writer.onClose(listener),
  };
  hub.open(gateway, stream);
}
