/**
 * Where the messages of one client request go. The final response is `reply`; anything before
 * it (progress, logs, server→client requests) is `send`, which needs a stream.
 */
export interface Responder {
  readonly canStream: boolean;
  send(message: unknown): void;
  reply(message: unknown): void;
  /** Runs if the client goes away before the reply. */
  onAbort(listener: () => void): void;
}
