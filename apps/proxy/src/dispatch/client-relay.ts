import type { SessionChannel, Unsubscribe } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { JsonRpcId } from '@toolgate/mcp/jsonrpc';
import type { CallRegistry } from './call-registry.ts';

const CHANNEL = 'client-messages';

type Relayed =
  | {
      kind: 'response';
      session: string;
      id: JsonRpcId;
      result?: Record<string, unknown>;
      error?: { code: number; message: string };
    }
  | { kind: 'cancel'; session: string; requestId: JsonRpcId; reason?: string };

const isId = (value: unknown): value is JsonRpcId => typeof value === 'string' || typeof value === 'number';

/**
 * Client messages that concern a call running on another replica (no sticky sessions): the
 * client's answer to a server→client request (elicitation, sampling, roots) and
 * `notifications/cancelled`. What this replica is not waiting for goes to every replica on one
 * channel; the replica holding the call (server→client request ids name their replica) takes it.
 * Nothing is published for the common case, an answer reaching the replica that asked.
 */
export class ClientRelay {
  private unsubscribe: Unsubscribe | undefined;
  private closed = false;

  constructor(
    private readonly calls: CallRegistry,
    private readonly channel: SessionChannel,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const unsubscribe = await this.channel.subscribe(CHANNEL, (message) => this.apply(message));
    if (this.closed) await unsubscribe();
    else this.unsubscribe = unsubscribe;
  }

  /** Leaves the channel; never waits more than a second (a bus that is down cannot be left politely). */
  async close(): Promise<void> {
    this.closed = true;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    if (!unsubscribe) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      unsubscribe().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000).unref())),
    ]);
    clearTimeout(timer);
  }

  response(
    session: string,
    id: JsonRpcId,
    outcome: { result?: Record<string, unknown>; error?: { code: number; message: string } },
  ): void {
    if (this.calls.settle(session, id, outcome)) return;
    this.publish({ kind: 'response', session, id, ...outcome });
  }

  cancel(session: string, requestId: JsonRpcId, reason: string | undefined): void {
    if (this.calls.cancel(session, requestId, reason)) return;
    this.publish({ kind: 'cancel', session, requestId, ...(reason === undefined ? {} : { reason }) });
  }

  private publish(message: Relayed): void {
    this.channel.publish(CHANNEL, message).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'could not relay a client message to other replicas');
    });
  }

  private apply(raw: unknown): void {
    const m = raw as Partial<Relayed> | null;
    if (typeof m?.session !== 'string') return;
    if (m.kind === 'response' && isId(m.id)) {
      const error =
        typeof m.error?.code === 'number' && typeof m.error.message === 'string'
          ? { code: m.error.code, message: m.error.message }
          : undefined;
      this.calls.settle(m.session, m.id, error ? { error } : { result: m.result ?? {} });
    } else if (m.kind === 'cancel' && isId(m.requestId)) {
      this.calls.cancel(m.session, m.requestId, typeof m.reason === 'string' ? m.reason : undefined);
    }
  }
}
