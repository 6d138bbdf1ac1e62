import type { Logger } from '@toolgate/core/logger';

/** A pass run every `intervalMs` (0: never on its own), and on demand; passes never overlap. */
export interface PeriodicJob<T> {
  /** One pass now (or the one under way). */
  runOnce(now?: Date): Promise<T>;
  start(): void;
  stop(): Promise<void>;
}

export function periodicJob<T>(
  name: string,
  intervalMs: number,
  log: Logger,
  pass: (now: Date) => Promise<T>,
): PeriodicJob<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  return {
    runOnce(now = new Date()) {
      running ??= pass(now).finally(() => (running = undefined));
      return running;
    },
    start() {
      if (intervalMs === 0 || timer) return;
      const tick = () => {
        void this.runOnce().catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, `${name} failed`),
        );
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
