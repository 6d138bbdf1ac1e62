import type { PGlite } from '@electric-sql/pglite';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

/** Frontend messages of the extended query protocol that leave an exchange open until Sync. */
const EXTENDED = new Set([
  0x50 /* Parse */, 0x42 /* Bind */, 0x44 /* Describe */, 0x45 /* Execute */, 0x43 /* Close */,
  0x48 /* Flush */,
]);
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * The one queue every embedded connection's protocol messages go through, replacing
 * pglite-socket's own. PGlite is a single session, and pglite-socket (0.2.x) hands it each
 * protocol message on its own, keeping a connection's messages together only inside an explicit
 * transaction. node-postgres sends every parameterised query as Parse/Bind/Describe/Execute/Sync,
 * so two connections interleaved there: one bound the other's unnamed statement and got its
 * rows (measured: two thirds of concurrent reads answered wrongly, then a hang), and a failed
 * message left the queue stuck for good.
 *
 * Here the connection that starts an extended-protocol exchange owns the session until its
 * Sync, and the one in a transaction until the transaction ends; a failing message fails only
 * its own caller; a connection that leaves while owning the session has its exchange ended
 * (Sync, ROLLBACK) so the others go on.
 */
export class EmbeddedQueryQueue {
  private readonly queue: Pending[] = [];
  private processing = false;
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.handlerId === handlerId) {
        this.queue.splice(i, 1)[0]!.reject(new Error('Handler disconnected'));
      }
    }
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC, { onRawData: () => {} }));
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const index = this.owner === null ? 0 : this.queue.findIndex((p) => p.handlerId === this.owner);
        if (index === -1) break; // the owner's next message has not arrived yet
        const item = this.queue.splice(index, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          item.reject(err);
          continue;
        }
        this.owner = EXTENDED.has(item.message[0]!) || this.db.isInTransaction() ? item.handlerId : null;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}
