import { exposedToolName, TOOL_NAME_PATTERN } from '@toolgate/core/tool-naming';

/** One named thing a gateway would expose: a tool or a prompt assignment (or a generated tool). */
export interface NamedItem {
  /** Identifies the row in the picker. */
  key: string;
  kind: 'tool' | 'prompt';
  serverSlug: string;
  toolName: string;
  /** Trimmed; null or '' = no alias. */
  alias: string | null;
  /**
   * Whether the snapshot compiler will expose it: a tool discovered (and enabled) on the
   * installation that serves it. Prompts are always live. Only live items collide by their
   * generated name; aliases collide whatever their state, as the service checks them first.
   */
  live: boolean;
}

export interface NameCheck {
  /** What clients will see. */
  name: string;
  /** Not a name MCP clients can call (1–128 of A–Z a–z 0–9 _ . -). */
  invalid: boolean;
  /** Keys of the other items that would get the same name. */
  collidesWith: string[];
}

/**
 * The names a set of assignments would expose and which of them collide, computed as the
 * service and the proxy's compiler do, so the picker can show a collision before saving.
 */
export function checkExposedNames(items: readonly NamedItem[]): Map<string, NameCheck> {
  const named = items.map((item) => {
    const alias = item.alias?.trim() || null;
    return { ...item, alias, name: exposedToolName(item.serverSlug, item.toolName, alias) };
  });
  const byName = new Map<string, typeof named>();
  for (const item of named) {
    const bucket = `${item.kind}\u0000${item.name}`;
    byName.set(bucket, [...(byName.get(bucket) ?? []), item]);
  }
  const result = new Map<string, NameCheck>();
  for (const item of named) {
    const sameName = byName.get(`${item.kind}\u0000${item.name}`) ?? [];
    const collidesWith = sameName
      .filter(
        (other) =>
          other.key !== item.key &&
          ((item.alias !== null && other.alias !== null) || (item.live && other.live)),
      )
      .map((other) => other.key);
    const invalid = item.alias !== null ? !TOOL_NAME_PATTERN.test(item.alias) : false;
    const invalidGenerated = item.alias === null && item.kind === 'tool' && item.live;
    result.set(item.key, {
      name: item.name,
      invalid: invalid || (invalidGenerated && !TOOL_NAME_PATTERN.test(item.name)),
      collidesWith,
    });
  }
  return result;
}

/** The exposed name a server's 409 names (`tool name "x" would be used by both …`), if any. */
export function conflictingNameIn(message: string): string | undefined {
  return /\b(?:tool|prompt) name "([^"]+)"/.exec(message)?.[1];
}
