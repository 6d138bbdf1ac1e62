import type { Bus, Unsubscribe } from '@toolgate/bus';
import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';

/** Resource subscriptions one session may hold. */
export const MAX_SESSION_SUBSCRIPTIONS = 100;
export const MAX_URI_CHARS = 2_048;
/** As long as a session lives (its sealed id expires after a day). */
const TTL_SECONDS = 24 * 3600;

export type SubscriptionChange = { op: 'add' | 'remove'; uri: string };

const recordKey = (sid: string) => `res-subs:${sid}`;
const channel = (sid: string) => `res-subs:${sid}`;

function parse(raw: string | null): string[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The resources each 2025-era session subscribed to (resources/subscribe, on any replica),
 * kept in the bus so that whichever replica holds the session's notification stream, now or
 * after a reconnect, subscribes upstream and delivers the updates.
 */
export class SessionSubscriptions {
  constructor(private readonly bus: Bus) {}

  async change(sid: string, change: SubscriptionChange): Promise<void> {
    const { uri } = change;
    const uris = new Set(parse(await this.read(sid)));
    if (change.op === 'add') {
      if (!uris.has(uri) && uris.size >= MAX_SESSION_SUBSCRIPTIONS)
        throw new JsonRpcError(
          RPC.INVALID_PARAMS,
          `A session may hold at most ${MAX_SESSION_SUBSCRIPTIONS} resource subscriptions; unsubscribe from one first`,
        );
      uris.add(uri);
    } else if (!uris.delete(uri)) {
      return;
    }
    try {
      await this.bus.sharedCache.set(recordKey(sid), JSON.stringify([...uris]), TTL_SECONDS);
      await this.bus.sessions.publish(channel(sid), change);
    } catch {
      throw new JsonRpcError(RPC.INTERNAL_ERROR, 'The gateway could not record the subscription; try again');
    }
  }

  private async read(sid: string): Promise<string | null> {
    try {
      return await this.bus.sharedCache.get(recordKey(sid));
    } catch {
      throw new JsonRpcError(RPC.INTERNAL_ERROR, 'The gateway could not read the subscriptions; try again');
    }
  }

  /** Follows a session's subscriptions: those it holds now, then each change. */
  async follow(
    sid: string,
    onChange: (change: SubscriptionChange) => void,
  ): Promise<{ uris: string[]; stop: Unsubscribe }> {
    const stop = await this.bus.sessions.subscribe(channel(sid), (message) => {
      const m = message as Partial<SubscriptionChange> | null;
      if ((m?.op === 'add' || m?.op === 'remove') && typeof m.uri === 'string')
        onChange({ op: m.op, uri: m.uri });
    });
    const uris = parse(await this.bus.sharedCache.get(recordKey(sid)));
    return { uris, stop };
  }

  /** The session ended: its record goes with it. */
  async forget(sid: string): Promise<void> {
    await this.bus.sharedCache.delete(recordKey(sid));
  }
}

/** The `uri` parameter of resources/subscribe and unsubscribe. */
export function subscriptionUri(params: Record<string, unknown>): string {
  const uri = params.uri;
  if (typeof uri !== 'string' || uri.length === 0)
    throw new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: "uri" is required');
  if (uri.length > MAX_URI_CHARS)
    throw new JsonRpcError(
      RPC.INVALID_PARAMS,
      `Invalid params: "uri" is longer than ${MAX_URI_CHARS} characters`,
    );
  return uri;
}
