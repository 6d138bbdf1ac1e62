import { Environment } from '@marcbachmann/cel-js';
import { matchesCalls, re2Matches, re2Problem, RE2_MATCHES } from './re2-matches.ts';

/**
 * The CEL environment of tool-call policies (Common Expression Language, evaluated by
 * `@marcbachmann/cel-js`: it type-checks, points errors at their position, and was ~3× faster than
 * `@bufbuild/cel` on our conditions). Every variable is declared with its type, so a condition that
 * names an unknown variable or field, or compares a string with a number, is refused when saved.
 */

/** What a condition may read about the tool called (listing: the tool listed). */
export interface PolicyTool {
  /** The upstream's name for the tool. */
  name: string;
  /** The name clients see (alias, else `{server}__{tool}`). */
  exposedName: string;
  /** The registry entry's slug. */
  server: string;
  /** The tool's MCP annotations (readOnlyHint, destructiveHint, …), as the server declares them. */
  annotations: Record<string, unknown>;
  /** Labels admins set on the tool (`untrusted-output`, `external-send`, …). */
  labels: string[];
}

/** Who is calling. Absent facts are empty strings (an organization token has no user or email). */
export interface PolicyCaller {
  userId: string;
  email: string;
  emailDomain: string;
  /** owner | admin | member; '' for organization and team tokens and pass-through callers. */
  role: string;
  /** Slugs of the caller's teams. */
  teams: string[];
  /** api_token | oauth | idp_jwt | passthrough */
  authMethod: string;
  /** The agent: the OAuth client id, else the `clientInfo.name` the client declared; '' if neither. */
  client: string;
  tokenId: string;
}

export interface PolicyInput {
  tool: PolicyTool;
  args: Record<string, unknown>;
  caller: PolicyCaller;
  gateway: { slug: string };
  session: { tainted: boolean; labels: string[] };
  request: { time: Date };
}

export type PolicyVariable = keyof PolicyInput;
export const POLICY_VARIABLES: readonly PolicyVariable[] = [
  'tool',
  'args',
  'caller',
  'gateway',
  'session',
  'request',
];

let shared: Environment | undefined;

/** The one environment every condition is checked and compiled in. */
export function policyEnvironment(): Environment {
  shared ??= new Environment({ unlistedVariablesAreDyn: false, limits: { maxAstNodes: 2_000, maxDepth: 50 } })
    .registerVariable({
      name: 'tool',
      schema: {
        name: 'string',
        exposedName: 'string',
        server: 'string',
        annotations: 'map<string, dyn>',
        labels: 'list<string>',
      },
    })
    .registerVariable('args', 'map<string, dyn>')
    .registerVariable({
      name: 'caller',
      schema: {
        userId: 'string',
        email: 'string',
        emailDomain: 'string',
        role: 'string',
        teams: 'list<string>',
        authMethod: 'string',
        client: 'string',
        tokenId: 'string',
      },
    })
    .registerVariable({ name: 'gateway', schema: { slug: 'string' } })
    .registerVariable({ name: 'session', schema: { tainted: 'bool', labels: 'list<string>' } })
    .registerVariable({ name: 'request', schema: { time: 'google.protobuf.Timestamp' } })
    // `matches` on RE2 (re2-matches.ts): conditions are compiled with their calls renamed to these.
    .registerFunction(`string.${RE2_MATCHES}(string): bool`, re2Matches);
  return shared;
}

/** Longest condition accepted (characters). */
export const MAX_CONDITION_LENGTH = 4_000;

export type ConditionCheck =
  | { ok: true }
  /** `offset` is 0-based in the source; `line` and `column` 1-based. */
  | { ok: false; message: string; offset: number; line: number; column: number };

/**
 * Type-checks a condition: it must parse, name only declared variables and fields, and be a bool.
 * The error names its position (the library's message carries a caret under the source; we keep
 * its first line and give the position as numbers).
 */
export function checkPolicyCondition(source: string): ConditionCheck {
  if (source.trim() === '') return failure('The condition is empty', 0, source);
  if (source.length > MAX_CONDITION_LENGTH)
    return failure(
      `The condition is longer than ${MAX_CONDITION_LENGTH} characters`,
      MAX_CONDITION_LENGTH,
      source,
    );
  let result: { valid: boolean; type?: string; error?: Error & { node?: { pos?: number }; pos?: number } };
  try {
    result = policyEnvironment().check(source);
  } catch (err) {
    return failure(firstLine((err as Error).message), positionOf(err), source);
  }
  if (!result.valid) {
    const error = result.error;
    return failure(firstLine(error?.message ?? 'invalid condition'), positionOf(error), source);
  }
  // A literal pattern must be RE2 (what `matches` runs on), or every call would fail closed.
  const { ast } = policyEnvironment().parse(source) as unknown as { ast: unknown };
  for (const { call, pattern } of matchesCalls(ast)) {
    const literal = pattern as { op?: string; args?: unknown; pos?: number } | undefined;
    if (literal?.op !== 'value' || typeof literal.args !== 'string') continue;
    const problem = re2Problem(literal.args);
    if (problem !== undefined)
      return failure(
        `matches() takes RE2 syntax: ${problem}`,
        literal.pos ?? (call as { pos?: number }).pos ?? 0,
        source,
      );
  }
  if (result.type !== 'bool' && result.type !== 'dyn')
    return failure(`The condition must be true or false, not ${result.type ?? 'unknown'}`, 0, source);
  return { ok: true };
}

const firstLine = (message: string) => message.split('\n')[0]!.trim();

/** The library puts the position on the error's AST node, or on the error itself. */
function positionOf(err: unknown): number {
  const e = err as { node?: { pos?: unknown }; pos?: unknown } | undefined;
  const pos = e?.node?.pos ?? e?.pos;
  if (typeof pos === 'number') return pos;
  // Else read it off the caret line of the message: ">    1 | source" then spaces and "^".
  const lines = String((err as Error | undefined)?.message ?? '').split('\n');
  const at = lines.findIndex((l) => /^>\s+\d+ \| /.test(l));
  const caret = at >= 0 ? lines[at + 1] : undefined;
  if (caret === undefined) return 0;
  const prefix = /^>\s+\d+ \| /.exec(lines[at]!)![0].length;
  return Math.max(0, caret.indexOf('^') - prefix);
}

function failure(message: string, offset: number, source: string): ConditionCheck {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { ok: false, message, offset, line, column };
}
