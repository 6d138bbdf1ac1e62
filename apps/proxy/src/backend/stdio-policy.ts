import { STDIO_DISABLED_MESSAGE } from '@toolgate/mcp/stdio-switch';
import { UpstreamError, type UpstreamPool, type UpstreamTarget } from '@toolgate/mcp/upstream';

export { STDIO_DISABLED_MESSAGE };

/** A refusal like the SSRF guard's: reported as an upstream error of kind `blocked`. */
export const stdioRefusal = (): UpstreamError => new UpstreamError('blocked', STDIO_DISABLED_MESSAGE);

function check(target: UpstreamTarget): void {
  if (target.transport === 'stdio') throw stdioRefusal();
}

/**
 * The pool when TOOLGATE_ALLOW_STDIO is off: requests to a stdio target are refused before the
 * pool sees them, so no child process is started whichever path asks. Prepared gateways already
 * keep stdio servers out of lists and calls; this is the backstop.
 */
export function refuseStdio(pool: UpstreamPool): UpstreamPool {
  return {
    async request(target, method, params, options) {
      check(target);
      return pool.request(target, method, params, options);
    },
    async notify(target, method, params) {
      check(target);
      return pool.notify(target, method, params);
    },
    async serverInfo(target) {
      check(target);
      return pool.serverInfo(target);
    },
    watch(target, listener) {
      check(target);
      return pool.watch(target, listener);
    },
    evict: (key) => pool.evict(key),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
