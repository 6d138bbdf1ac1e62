import type { ServerResponse } from 'node:http';
import { errorMessage, RPC, type JsonRpcRequestMessage } from '@toolgate/mcp/jsonrpc';
import { MAX_SESSION_SUBSCRIPTIONS, MAX_URI_CHARS } from '../dispatch/session-subscriptions.ts';
import type { Caller } from '../mcp-call.ts';
import type { UsageDraft } from '../usage/meter.ts';
import { sendJson, SseWriter } from './http-util.ts';
import type { HubStream, StreamHub, Wants } from './stream-hub.ts';

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
/** How long the acknowledgement waits for upstreams to accept resource subscriptions. */
const SUBSCRIBE_DEADLINE_MS = 10_000;

type Filter = {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
};

/** The requested filter, or why it is not one. */
function readFilter(params: Record<string, unknown> | undefined): Filter | string {
  const notifications = params?.notifications;
  if (typeof notifications !== 'object' || notifications === null || Array.isArray(notifications))
    return '"notifications" must be an object';
  const filter = notifications as Record<string, unknown>;
  for (const flag of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'])
    if (filter[flag] !== undefined && typeof filter[flag] !== 'boolean') return `"${flag}" must be a boolean`;
  const uris = filter.resourceSubscriptions;
  if (uris !== undefined) {
    if (
      !Array.isArray(uris) ||
      uris.some((u) => typeof u !== 'string' || u.length === 0 || u.length > MAX_URI_CHARS)
    )
      return `"resourceSubscriptions" must be a list of URIs of at most ${MAX_URI_CHARS} characters`;
    if (uris.length > MAX_SESSION_SUBSCRIPTIONS)
      return `"resourceSubscriptions" may name at most ${MAX_SESSION_SUBSCRIPTIONS} URIs`;
  }
  return filter;
}

/**
 * `subscriptions/listen` (2026-07-28): the modern notification stream. The gateway acknowledges
 * what it honours: list changes of what it exposes (tools always; prompts and resources when the
 * gateway has them), relayed from admins' changes and from the upstreams (live-notifications.ts),
 * and the resource URIs whose upstream accepted the subscription. Every notification names the
 * subscription (the listen request's id); the client ends it by closing the stream.
 */
export async function listen(
  res: ServerResponse,
  caller: Caller,
  message: JsonRpcRequestMessage,
  hub: StreamHub,
  usage: UsageDraft,
): Promise<void> {
  const requested = readFilter(message.params);
  if (typeof requested === 'string') {
    const error = errorMessage(message.id, {
      code: RPC.INVALID_PARAMS,
      message: `Invalid params: ${requested}`,
    });
    return usage.reply(error, sendJson(res, 200, error));
  }
  const { gateway, principal } = caller;
  const wants: Wants = {
    tools: requested.toolsListChanged === true,
    prompts: requested.promptsListChanged === true && gateway.listedPrompts.length > 0,
    resources: requested.resourcesListChanged === true && gateway.listedResourceServers.length > 0,
  };
  const meta = { [SUBSCRIPTION_ID]: message.id };
  const writer = new SseWriter(res);
  // Nothing is relayed before the acknowledgement.
  let acknowledged = false;
  const stream: HubStream = {
    send(notification) {
      if (!acknowledged) return 0;
      const { params, ...rest } = notification as { params?: Record<string, unknown> };
      return writer.send({ ...rest, params: { ...params, _meta: meta } });
    },
    comment: (text) => writer.comment(text),
    end: () => writer.end(),
    onClose: (listener) => writer.onClose(listener),
  };
  const live = hub.open(gateway, stream, { principal, wants });
  const gatewayId = gateway.snapshot.gateway.id;
  // All at once, within a deadline: what the upstreams have not accepted by then is not acknowledged.
  const uris = [...new Set(requested.resourceSubscriptions ?? [])];
  const outcomes = uris.map((uri) => hub.live.subscribe(gatewayId, live, uri).then(() => true));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_DEADLINE_MS)));
  const settled = new Map<number, boolean>();
  await Promise.race([
    Promise.all(
      outcomes.map((o, i) =>
        o.then(
          (ok) => settled.set(i, ok),
          () => settled.set(i, false),
        ),
      ),
    ),
    deadline,
  ]);
  clearTimeout(timer);
  const accepted = uris.filter((_, i) => settled.get(i) === true);
  // Late ones are dropped, as the client was told.
  outcomes.forEach((o, i) => {
    if (!settled.has(i))
      void o.then(
        () => hub.live.unsubscribe(gatewayId, live, uris[i]!),
        () => undefined,
      );
  });
  const honored: Filter = {
    ...(wants.tools ? { toolsListChanged: true } : {}),
    ...(wants.prompts ? { promptsListChanged: true } : {}),
    ...(wants.resources ? { resourcesListChanged: true } : {}),
    ...(accepted.length > 0 ? { resourceSubscriptions: accepted } : {}),
  };
  usage.sent(
    writer.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: honored, _meta: meta },
    }),
  );
  acknowledged = true;
  usage.accepted();
}
