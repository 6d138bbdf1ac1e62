/**
 * Lexical search over a gateway's tools, for gateways that expose a search tool instead of
 * listing every tool. Deterministic and dependency-free: the same tools and query always give
 * the same ranking on every replica. The index is built once per snapshot; a search only
 * compares the query's few tokens with precomputed token lists.
 */

export interface SearchableTool {
  name: string;
  title?: string;
  description?: string;
}

interface IndexedTool<T> {
  tool: T;
  /** Distinct tokens per field, in field order: name, title, description. */
  fields: readonly (readonly string[])[];
}

export interface ToolSearchIndex<T extends SearchableTool> {
  /** Sorted by name (code units), the order of an empty query and of ties. */
  readonly entries: readonly IndexedTool<T>[];
}

/** A query token found in the name counts most, then the title, then the description. */
const FIELD_WEIGHTS = [3, 2, 1] as const;
/** Shortest token a prefix match may rest on ("echo" finds "echoes", "ec" finds nothing). */
const MIN_PREFIX_CHARS = 3;
/** Query words too common to rank by, dropped unless the query has nothing else. */
const STOP_WORDS = new Set(['a', 'an', 'and', 'for', 'in', 'is', 'of', 'on', 'or', 'the', 'to', 'with']);

/** Lower-case words and numbers; `getSum`, `get-sum` and `get_sum` all give `get`, `sum`. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

const distinct = (text: string | undefined): string[] => (text ? [...new Set(tokenize(text))] : []);

const byName = (x: SearchableTool, y: SearchableTool) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

export function buildToolSearchIndex<T extends SearchableTool>(tools: readonly T[]): ToolSearchIndex<T> {
  return {
    entries: [...tools].sort(byName).map((tool) => ({
      tool,
      fields: [distinct(tool.name), distinct(tool.title), distinct(tool.description)],
    })),
  };
}

/** 2 for an equal token, 1 when one is a prefix of the other (both long enough), else 0. */
function tokenMatch(query: string, tokens: readonly string[]): number {
  let best = 0;
  for (const token of tokens) {
    if (token === query) return 2;
    const [short, long] = token.length < query.length ? [token, query] : [query, token];
    if (short.length >= MIN_PREFIX_CHARS && long.startsWith(short)) best = 1;
  }
  return best;
}

function score(queryTokens: readonly string[], fields: IndexedTool<unknown>['fields']): number {
  let total = 0;
  for (const q of queryTokens) {
    for (let f = 0; f < fields.length; f++) total += FIELD_WEIGHTS[f]! * tokenMatch(q, fields[f]!);
  }
  return total;
}

/**
 * Up to `limit` tools matching `query`, best first: each distinct query word adds, per field
 * (name, title, description), its weight for an equal word and half of it for a prefix. Ties
 * go by name. An empty query (or one without words) gives the first `limit` tools by name;
 * tools that match no word are left out.
 */
export function searchTools<T extends SearchableTool>(
  index: ToolSearchIndex<T>,
  query: string,
  limit: number,
): T[] {
  const words = [...new Set(tokenize(query))];
  const meaningful = words.filter((w) => !STOP_WORDS.has(w));
  const queryTokens = meaningful.length > 0 ? meaningful : words;
  if (queryTokens.length === 0) return index.entries.slice(0, limit).map((e) => e.tool);
  const scored: { tool: T; score: number; order: number }[] = [];
  index.entries.forEach((entry, order) => {
    const s = score(queryTokens, entry.fields);
    if (s > 0) scored.push({ tool: entry.tool, score: s, order });
  });
  scored.sort((x, y) => y.score - x.score || x.order - y.order);
  return scored.slice(0, limit).map((s) => s.tool);
}
