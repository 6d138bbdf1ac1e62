/**
 * One pass over every `:` and `=` serves two detectors: `key: value` / `key=value` credentials
 * (secret.ts judges them) and IPv6 addresses (ipv6.ts reads them), which both hang on a colon.
 * Sharing the pass saves a scan of the text; the engine tries the two tails natively and returns
 * to JavaScript only for a long token-like value or two colons close together.
 */
import { ipv6Around } from './ipv6.ts';
import { isKeyedCredential } from './secret.ts';
import type { Finding } from './types.ts';

/**
 * `:`/`=`, then an optional quote and auth scheme, then a value of 16+ token characters (group 1;
 * MIN_KEYED_VALUE); or `:`, up to four hex digits, `:` (an IPv6 colon pair).
 */
const KEYED_OR_IPV6 =
  /[:=](?:[ \t]*["']?(?:(?:bearer|basic|token)[ \t]+)?([A-Za-z0-9+/_.~=$-]{16,})|[0-9A-Fa-f]{0,4}:)/gi;

export function scanColons(text: string, detect: { secret: boolean; ipv6: boolean }, out: Finding[]): void {
  KEYED_OR_IPV6.lastIndex = 0;
  for (let m = KEYED_OR_IPV6.exec(text); m !== null; m = KEYED_OR_IPV6.exec(text)) {
    const matchEnd = m.index + m[0].length;
    const value = m[1];
    if (value !== undefined) {
      if (!detect.secret) continue;
      let end = matchEnd;
      // A sentence may end right after the value.
      while (text.charCodeAt(end - 1) === 46) end--;
      const start = matchEnd - value.length;
      if (isKeyedCredential(text, m.index, start, end)) out.push({ detector: 'secret', start, end });
    } else if (detect.ipv6 && text.charCodeAt(m.index) === 58) {
      KEYED_OR_IPV6.lastIndex = ipv6Around(text, m.index, matchEnd, out);
    } else {
      // `=x:`: the colon may begin a pair.
      KEYED_OR_IPV6.lastIndex = matchEnd - 1;
    }
  }
}
