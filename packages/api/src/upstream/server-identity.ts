/**
 * What a server says it is in its `initialize` answer (`serverInfo`): a name and a version. The
 * server writes them, so they are cut to one short line before Toolgate stores or shows them.
 */
export interface ServerIdentity {
  name: string | null;
  version: string;
}

const MAX_CHARS = 200;

function oneLine(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = [...value]
    .map((ch) => {
      const c = ch.charCodeAt(0);
      return c < 0x20 || (c >= 0x7f && c < 0xa0) ? ' ' : ch;
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (line === '') return null;
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
}

/**
 * The identity in an initialize result (as the upstream pool gives it), or null when the server
 * names no version: with nothing to compare, nothing is recorded.
 */
export function serverIdentityOf(initializeResult: Record<string, unknown>): ServerIdentity | null {
  const info = initializeResult.serverInfo;
  if (info === null || typeof info !== 'object') return null;
  const { name, version } = info as Record<string, unknown>;
  const v = oneLine(version);
  return v === null ? null : { name: oneLine(name), version: v };
}
