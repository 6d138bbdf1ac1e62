import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';

/** The bus channel of a legacy session's stream: every message the gateway sends it. */
export const streamChannel = (sid: string) => `legacy:${sid}`;
/** The bus channel of a legacy session's client messages (responses, notifications). */
export const serverChannel = (sid: string) => `legacy:${sid}:server`;

/** Publishes one message to the session's stream. Never rejects; order is kept without awaiting. */
export type LegacySend = (message: unknown) => Promise<void>;

/**
 * Publishes in call order, whether or not the caller awaits. A server→client request waits
 * until this replica listens for the client's answer.
 */
export function legacySender(
  { bus, log }: { bus: Bus; log: Logger },
  call: { requestId: string; session: { key: string } },
  listening: Promise<unknown>,
): { send: LegacySend; drained: () => Promise<void> } {
  let chain = Promise.resolve();
  const channel = streamChannel(call.session.key);
  const send: LegacySend = (message) => {
    const expectsAnswer =
      typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
    chain = chain.then(async () => {
      if (expectsAnswer) await listening;
      await bus.sessions.publish(channel, message).catch((err: unknown) => {
        log.warn(
          { requestId: call.requestId, err: (err as Error).message },
          'could not publish to a legacy SSE stream',
        );
      });
    });
    return chain;
  };
  return { send, drained: () => chain };
}
