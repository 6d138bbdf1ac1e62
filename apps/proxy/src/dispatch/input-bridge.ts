import { randomBytes } from 'node:crypto';
import type { Bus } from '@toolgate/bus';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { JsonRpcError, RPC, type JsonRpcErrorObject } from '@toolgate/mcp/jsonrpc';

/** What a held upstream call does next: finish, fail, or ask the client for input. */
export type Outcome =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; error: JsonRpcErrorObject }
  | { kind: 'input'; key: string; method: string; params: unknown }
  /** The bridge's own refusal (a spent or unknown state), not the upstream's answer. */
  | { kind: 'refused' };

/** Who a held call belongs to: a retry must come from the same caller, for the same tool. */
export interface HeldOwner {
  tenantId: string;
  gatewayId: string;
  principalId: string;
  tool: string;
}

/** Sealed into `requestState`: opaque to the client, checked on the retry, on any replica. */
interface RequestState extends HeldOwner {
  held: string;
  key: string;
  /** Unix ms after which the state is refused. */
  exp: number;
}

const STATE_AAD = 'toolgate:mrtr-state';
const resumeChannel = (held: string) => `mrtr:${held}`;
/** Present in the shared cache while some replica holds the call. */
const heldKey = (held: string) => `mrtr-held:${held}`;

export const invalidState = () =>
  new JsonRpcError(
    RPC.INVALID_PARAMS,
    'Invalid params: requestState is not one this gateway issued to you, or it expired: send the call again without requestState and inputResponses',
  );

/**
 * One upstream call held open while its 2026-07-28 client answers an input request. Outcomes
 * (an input request, the result, an error) queue until someone awaits the next one.
 */
class HeldCall {
  private queue: Outcome[] = [];
  private waiter: ((o: Outcome) => void) | undefined;
  private readonly answers = new Map<
    string,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private keys = 0;
  finished = false;

  private heldId: string | undefined;

  /** Named only when the call is held (most calls never are). */
  get id(): string {
    return (this.heldId ??= randomBytes(16).toString('base64url'));
  }

  /** The id, if the call was ever held. */
  get heldIdIfAny(): string | undefined {
    return this.heldId;
  }

  /** The upstream asks the client something; resolves with the client's answer. */
  ask(method: string, params: unknown): Promise<Record<string, unknown>> {
    const key = `input-${++this.keys}`;
    return new Promise((resolve, reject) => {
      this.answers.set(key, { resolve, reject });
      this.push({ kind: 'input', key, method, params });
    });
  }

  /** The upstream call ended. */
  settle(outcome: Outcome): void {
    this.finished = true;
    this.push(outcome);
  }

  /** Hands the client's answer to the upstream; false when nothing waits for that key. */
  answer(key: string, result: Record<string, unknown>): boolean {
    const pending = this.answers.get(key);
    if (!pending) return false;
    this.answers.delete(key);
    pending.resolve(result);
    return true;
  }

  next(): Promise<Outcome> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Gives up on the client: the upstream's pending requests fail. */
  abandon(reason: string): void {
    for (const pending of this.answers.values()) pending.reject(new JsonRpcError(-32001, reason));
    this.answers.clear();
  }

  private push(outcome: Outcome): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(outcome);
    else this.queue.push(outcome);
  }
}

interface HeldEntry {
  call: HeldCall;
  timer: NodeJS.Timeout;
  /** The bus subscription other replicas' retries come through. */
  off: (() => Promise<void>) | undefined;
}

export interface InputBridgeOptions {
  bus: Bus;
  keys: KeyRing;
  log: Logger;
  /** How long a held call waits for the client's retry. */
  holdMs: number;
}

/**
 * Multi-round-trip requests (2026-07-28) in front of 2025-era upstreams. When an upstream asks
 * the client for input during a call (elicitation, sampling, roots), a 2026-07-28 client cannot
 * receive that request; instead the gateway holds the upstream call, answers `input_required`
 * with the request embedded and a sealed `requestState`, and when the client retries with
 * `inputResponses` — on this replica or any other, through the bus — hands the answer to the
 * upstream and relays what the upstream does next.
 */
export class InputBridge {
  private readonly held = new Map<string, HeldEntry>();

  constructor(private readonly options: InputBridgeOptions) {}

  /** A call that may be held: run `upstream` with its `ask` wired to the returned call. */
  start(
    upstream: (ask: HeldCall['ask']) => Promise<Record<string, unknown>>,
    toError: (err: unknown) => JsonRpcErrorObject,
  ): HeldCall {
    const call = new HeldCall();
    upstream((method, params) => call.ask(method, params)).then(
      (result) => call.settle({ kind: 'result', result }),
      (err: unknown) => call.settle({ kind: 'error', error: toError(err) }),
    );
    return call;
  }

  /**
   * What to answer the client for an outcome of the held call `id` (`call`: when this replica
   * holds it): a result, or `input_required` with the request and a sealed state (the call is
   * then held until the retry or the hold time ends).
   */
  async answerFor(
    held: { call: HeldCall } | { id: string; call: HeldCall | undefined },
    outcome: Outcome,
    owner: HeldOwner,
  ): Promise<Record<string, unknown>> {
    const { call } = held;
    if (outcome.kind === 'refused') throw invalidState();
    if (outcome.kind !== 'input') {
      // A call that was never held has nothing to release (and no id yet).
      const id = 'id' in held ? held.id : call?.heldIdIfAny;
      if (id !== undefined) this.release(id);
    }
    if (outcome.kind === 'error') {
      throw new JsonRpcError(outcome.error.code, outcome.error.message, outcome.error.data);
    }
    if (outcome.kind === 'result') return outcome.result;
    if (call) await this.keep(call);
    const state: RequestState = {
      ...owner,
      held: 'id' in held ? held.id : call!.id,
      key: outcome.key,
      exp: Date.now() + this.options.holdMs,
    };
    return {
      resultType: 'input_required',
      inputRequests: { [outcome.key]: { method: outcome.method, params: outcome.params } },
      requestState: seal(this.options.keys, JSON.stringify(state), STATE_AAD),
    };
  }

  /**
   * The client's retry: opens its state (refused unless this caller got it and it is fresh),
   * hands its answer to the held call wherever it is, and resolves with the call's next outcome.
   */
  async resume(
    requestState: unknown,
    inputResponses: unknown,
    owner: HeldOwner,
    timeoutMs: number,
  ): Promise<{ call: HeldCall | undefined; held: string; outcome: Outcome }> {
    const state = this.openState(requestState, owner);
    const response = (inputResponses as Record<string, unknown> | undefined)?.[state.key];
    if (typeof response !== 'object' || response === null || Array.isArray(response)) {
      throw new JsonRpcError(
        RPC.INVALID_PARAMS,
        `Invalid params: inputResponses["${state.key}"] (an object) is required`,
      );
    }
    const local = this.held.get(state.held);
    if (local) {
      if (!local.call.answer(state.key, response as Record<string, unknown>)) throw invalidState();
      return { call: local.call, held: state.held, outcome: await local.call.next() };
    }
    return {
      call: undefined,
      held: state.held,
      outcome: await this.resumeRemote(state, response, timeoutMs),
    };
  }

  private openState(sealed: unknown, owner: HeldOwner): RequestState {
    if (typeof sealed !== 'string' || sealed.length > 4_096) throw invalidState();
    let state: RequestState;
    try {
      state = JSON.parse(openString(this.options.keys, sealed, STATE_AAD)) as RequestState;
    } catch {
      throw invalidState();
    }
    const mine =
      state.tenantId === owner.tenantId &&
      state.gatewayId === owner.gatewayId &&
      state.principalId === owner.principalId &&
      state.tool === owner.tool;
    if (!mine || !(state.exp > Date.now())) throw invalidState();
    return state;
  }

  /** Asks the replica that holds the call, over the bus, and waits for its answer. */
  private async resumeRemote(state: RequestState, response: unknown, timeoutMs: number): Promise<Outcome> {
    const { bus } = this.options;
    // No replica holds it any more (answered, abandoned, or its replica went away).
    if ((await bus.sharedCache.get(heldKey(state.held))) === null) throw invalidState();
    const replyTo = `mrtr-reply:${randomBytes(12).toString('base64url')}`;
    let resolve!: (o: Outcome) => void;
    const answered = new Promise<Outcome>((r) => (resolve = r));
    const off = await bus.sessions.subscribe(replyTo, (m) => resolve(m as Outcome));
    const timer = setTimeout(() => resolve({ kind: 'refused' }), timeoutMs);
    try {
      await bus.sessions.publish(resumeChannel(state.held), { key: state.key, response, replyTo });
      return await answered;
    } finally {
      clearTimeout(timer);
      await off();
    }
  }

  /**
   * Keeps a call that awaits input: reachable from other replicas, abandoned when the client has
   * not answered within the hold time. Each new input request restarts the hold.
   */
  private async keep(call: HeldCall): Promise<void> {
    const { bus, holdMs } = this.options;
    const abandon = () => {
      call.abandon(`The client did not answer the input request within ${Math.round(holdMs / 1000)} s`);
      this.release(call.id);
    };
    const existing = this.held.get(call.id);
    if (existing) {
      clearTimeout(existing.timer);
      existing.timer = setTimeout(abandon, holdMs).unref();
      await bus.sharedCache.set(heldKey(call.id), '1', Math.ceil(holdMs / 1000));
      return;
    }
    const entry: HeldEntry = { call, timer: setTimeout(abandon, holdMs).unref(), off: undefined };
    this.held.set(call.id, entry);
    try {
      entry.off = await bus.sessions.subscribe(resumeChannel(call.id), (m) => this.resumeHere(call, m));
      await bus.sharedCache.set(heldKey(call.id), '1', Math.ceil(holdMs / 1000));
    } catch (err) {
      this.release(call.id);
      throw err;
    }
  }

  /** A retry that reached another replica: answer the call held here and tell that replica. */
  private resumeHere(call: HeldCall, message: unknown): void {
    const { bus, log } = this.options;
    const { key, response, replyTo } = message as {
      key: string;
      response: Record<string, unknown>;
      replyTo: string;
    };
    const reply = (outcome: Outcome) =>
      bus.sessions.publish(replyTo, outcome).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not answer a resumed input request');
      });
    if (!call.answer(key, response)) return void reply({ kind: 'refused' });
    void call.next().then(async (outcome) => {
      if (outcome.kind === 'input') await this.keep(call).catch(() => undefined);
      else this.release(call.id);
      return reply(outcome);
    });
  }

  release(id: string): void {
    const entry = this.held.get(id);
    if (!entry) return;
    this.held.delete(id);
    clearTimeout(entry.timer);
    void entry.off?.().catch(() => undefined);
    void this.options.bus.sharedCache.delete(heldKey(id)).catch(() => undefined);
  }

  /** Calls held on this replica (metrics, tests). */
  get size(): number {
    return this.held.size;
  }
}
