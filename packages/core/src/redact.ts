/**
 * Redaction for what the audit log keeps of arguments and results: values under credential-like
 * keys, and token-like substrings anywhere, become "[redacted]"; then the whole is capped in
 * size with visible truncation markers. Pure and synchronous; it runs on the proxy's hot path,
 * so it copies nothing it does not change and stops walking once the budget is spent.
 */

export const REDACTED = '[redacted]';
export const TRUNCATED_KEY = '…';
/** Default cap per captured field, in characters of JSON (roughly bytes for ASCII). */
export const AUDIT_FIELD_MAX_CHARS = 8 * 1024;
const MAX_DEPTH = 32;

/**
 * Key names whose values are credentials. Only string and structured values are redacted, so
 * counters such as `max_tokens: 100` stay readable.
 */
const SENSITIVE_KEY =
  /passw(?:or)?d|passphrase|^pass$|secret|token|authori[sz]ation|api[-_]?key|access[-_]?key|private[-_]?key|cookie|credential|^auth$|signature|^x-api-key$/i;

const keyVerdicts = new Map<string, boolean>();
const KEY_CACHE_MAX = 2_048;

export function isSensitiveKey(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = SENSITIVE_KEY.test(key);
    // Key names repeat (content, type, text…); a small cache saves the regex on most of them.
    if (keyVerdicts.size >= KEY_CACHE_MAX) keyVerdicts.clear();
    keyVerdicts.set(key, verdict);
  }
  return verdict;
}

/**
 * Token shapes, one alternation so a string is scanned once. Groups 1–3 keep an auth scheme, a
 * `name=` / `"name": "` prefix or a URL's `://` visible and redact only what follows. (No
 * lookbehind: an alternative that cannot start with a literal costs more than all the others.)
 * Exported for the DLP secret detector, which compiles its own copy from `source`.
 */
export const TOKEN_PATTERN = new RegExp(
  [
    // `Bearer …`, `Basic …`, `Token …` (keeps the scheme)
    String.raw`\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}`,
    // `"authorization": "…"`, `cookie=…` and friends inside text (keeps the name)
    String.raw`((?:"|\b)(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|access_token|refresh_token|id_token|client_secret|password|secret)"?\s*[:=]\s*"?)(?:(?:Bearer|Basic|Token)\s+)?[^"&\s,;]{4,}`,
    // user:password@ in URLs (keeps the scheme separator and the @)
    String.raw`(:\/\/)[^/\s:@]+:[^/\s@]+(?=@)`,
    // Toolgate API tokens
    String.raw`\btg_[0-9A-Za-z]{46}\b`,
    // JWTs (JWS compact form)
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`,
    // OpenAI, Anthropic (sk-…, sk-proj-…, sk-ant-…)
    String.raw`\bsk-[A-Za-z0-9_-]{20,}`,
    // GitHub
    String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`,
    // Slack
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    // AWS access key ids
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    // Google API keys
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
    // Stripe secret and restricted keys, webhook secrets
    String.raw`\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|\bwhsec_[0-9A-Za-z]{20,}`,
    // PEM private keys (to the end of the string if the END line was cut off)
    String.raw`-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)`,
  ].join('|'),
  'gi',
);

const replaceToken = (_match: string, scheme?: string, prefix?: string, url?: string): string =>
  scheme ? `${scheme} ${REDACTED}` : prefix ? `${prefix}${REDACTED}` : url ? `${url}${REDACTED}` : REDACTED;

/** The shortest string any token pattern can match. */
const MIN_TOKEN_CHARS = 10;

/**
 * Replaces token-like substrings with "[redacted]"; returns the same string when none is found.
 * Costs about 5 ns per character scanned (one pass), so callers cap before they scan.
 */
export function redactString(value: string): string {
  if (value.length < MIN_TOKEN_CHARS) return value;
  TOKEN_PATTERN.lastIndex = 0;
  if (!TOKEN_PATTERN.test(value)) return value;
  return value.replace(TOKEN_PATTERN, replaceToken);
}

/** Extra characters scanned past a cut, so a token straddling it is still recognised whole. */
const CUT_LOOKAHEAD = 256;

interface Budget {
  remaining: number;
}

/**
 * A redacted copy of `value` whose JSON is at most about `maxChars` long (plus truncation
 * markers). Objects and arrays that need no change are returned as they are, not copied.
 * Undefined, functions and symbols are left as JSON would drop them.
 */
export function captureForAudit(value: unknown, maxChars: number = AUDIT_FIELD_MAX_CHARS): unknown {
  return walk(value, 0, { remaining: maxChars });
}

function walk(value: unknown, depth: number, budget: Budget): unknown {
  switch (typeof value) {
    case 'string':
      return captureString(value, budget);
    case 'number':
    case 'boolean':
      budget.remaining -= 6;
      return value;
    case 'bigint':
      budget.remaining -= 12;
      return String(value);
    case 'object':
      if (value === null) {
        budget.remaining -= 4;
        return null;
      }
      if (depth >= MAX_DEPTH) {
        budget.remaining -= 24;
        return `${TRUNCATED_KEY}[truncated: nested too deep]`;
      }
      return Array.isArray(value)
        ? walkArray(value as unknown[], depth, budget)
        : walkObject(value as Record<string, unknown>, depth, budget);
    default:
      return value;
  }
}

function captureString(value: string, budget: Budget): string {
  const room = budget.remaining - 2;
  if (value.length <= room) {
    const redacted = redactString(value);
    budget.remaining -= redacted.length + 2;
    return redacted;
  }
  const keep = Math.max(0, room);
  const head = redactString(value.slice(0, keep + CUT_LOOKAHEAD)).slice(0, keep);
  budget.remaining = 0;
  return `${head}${TRUNCATED_KEY}[truncated ${value.length - keep} chars]`;
}

function walkArray(value: unknown[], depth: number, budget: Budget): unknown[] {
  budget.remaining -= 2;
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    if (budget.remaining <= 0) {
      out ??= value.slice(0, i);
      out.push(`${TRUNCATED_KEY}[truncated ${value.length - i} items]`);
      return out;
    }
    const item = value[i];
    const captured = walk(item, depth + 1, budget);
    budget.remaining -= 1;
    if (out) out.push(captured);
    else if (captured !== item) {
      out = value.slice(0, i);
      out.push(captured);
    }
  }
  return out ?? value;
}

function walkObject(value: Record<string, unknown>, depth: number, budget: Budget): Record<string, unknown> {
  budget.remaining -= 2;
  let out: Record<string, unknown> | undefined;
  let index = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (budget.remaining <= 0) {
      out ??= copyKeys(value, index);
      let rest = 0;
      for (const k in value) if (Object.hasOwn(value, k)) rest++;
      out[TRUNCATED_KEY] = `[truncated ${rest - index} keys]`;
      return out;
    }
    const item = value[key];
    budget.remaining -= key.length + 4;
    let captured: unknown;
    if (isSensitiveKey(key) && item !== null && typeof item !== 'number' && typeof item !== 'boolean') {
      budget.remaining -= REDACTED.length;
      captured = REDACTED;
    } else {
      captured = walk(item, depth + 1, budget);
    }
    if (out) out[key] = captured;
    else if (captured !== item) {
      out = copyKeys(value, index);
      out[key] = captured;
    }
    index++;
  }
  return out ?? value;
}

/** The first `count` own keys of `value`, in a prototype-less object (safe for `__proto__`). */
function copyKeys(value: Record<string, unknown>, count: number): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  let i = 0;
  for (const key in value) {
    if (i >= count) break;
    if (!Object.hasOwn(value, key)) continue;
    out[key] = value[key];
    i++;
  }
  return out;
}

/**
 * Query parameters whose values may appear in logs: pagination, time windows, filters by id or
 * kind, framework state, and the OAuth parameters that are public by design. Any other value is
 * redacted — a parameter nobody listed is assumed to carry a credential (`code`, `state`,
 * `token`, `api_key`, `secret`, `password`, `assertion`, `client_secret`…) or personal data
 * (`email`, `login_hint`, free-text `q`). Names compare case-insensitively.
 */
const LOGGABLE_QUERY_PARAMS = new Set([
  // pagination, sorting and time windows
  'page',
  'limit',
  'offset',
  'cursor',
  'per_page',
  'sort',
  'order',
  'from',
  'to',
  'range',
  // filters and object ids (ids name objects, they open nothing)
  'id',
  'gateway',
  'gatewayid',
  'installationid',
  'registryentryid',
  'teamid',
  'toolid',
  'tool',
  'status',
  'method',
  'authmethod',
  'principalid',
  'kind',
  'tab',
  'view',
  // Next.js and tRPC plumbing (`input` is not here: it carries whatever the procedure takes)
  '_rsc',
  'batch',
  // OAuth request and error parameters that are public by design
  'client_id',
  'response_type',
  'response_mode',
  'code_challenge_method',
  'scope',
  'prompt',
  'iss',
  'error',
]);

/** Parameters whose value is itself a URL: redacted the same way, one level down. */
const URL_QUERY_PARAMS = new Set(['callbackurl', 'redirect_uri', 'resource', 'returnto', 'next']);

/** Link secrets in the path: invitation links carry their token as the last segment. */
const SECRET_IN_PATH = /((?:\/|%2F)invite(?:\/|%2F))[^/?#%]+/gi;
const MAX_URL_NESTING = 2;

/**
 * A URL (or `req.url`, a path with a query) as it may be logged: every query value outside an
 * allow-list of harmless parameters becomes "[redacted]", URL-valued parameters are redacted
 * recursively, invitation tokens in the path, credentials in the authority and token-like
 * strings anywhere are redacted, and a fragment is dropped. Names and the shape stay readable.
 */
export function redactUrl(url: string): string;
export function redactUrl(url: string | undefined): string | undefined;
export function redactUrl(url: string | undefined): string | undefined {
  return url === undefined ? undefined : redactUrlAt(url, 0);
}

function redactUrlAt(url: string, nesting: number): string {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 || hash === url.length - 1 ? '' : `#${REDACTED}`;
  const q = withoutFragment.indexOf('?');
  const path = q === -1 ? withoutFragment : withoutFragment.slice(0, q);
  const redactedPath = redactString(path.replace(SECRET_IN_PATH, `$1${REDACTED}`));
  if (q === -1) return `${redactedPath}${fragment}`;
  const query = withoutFragment
    .slice(q + 1)
    .split('&')
    .map((pair) => redactQueryPair(pair, nesting))
    .join('&');
  return `${redactedPath}?${query}${fragment}`;
}

function redactQueryPair(pair: string, nesting: number): string {
  const eq = pair.indexOf('=');
  if (eq === -1) return redactString(pair);
  const rawName = pair.slice(0, eq);
  const rawValue = pair.slice(eq + 1);
  if (rawValue === '') return pair;
  const name = decodeQueryPart(rawName)?.toLowerCase();
  if (name !== undefined && LOGGABLE_QUERY_PARAMS.has(name)) return `${rawName}=${redactString(rawValue)}`;
  if (name !== undefined && URL_QUERY_PARAMS.has(name) && nesting < MAX_URL_NESTING) {
    const value = decodeQueryPart(rawValue);
    if (value !== undefined) {
      const redacted = redactUrlAt(value, nesting + 1);
      if (redacted === value) return pair;
      // Encoded again as a query value, with the marker left readable.
      return `${rawName}=${encodeURIComponent(redacted).replaceAll(encodeURIComponent(REDACTED), REDACTED)}`;
    }
  }
  return `${rawName}=${REDACTED}`;
}

function decodeQueryPart(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
