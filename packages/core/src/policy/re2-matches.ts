import { RE2JS } from 're2js';

/**
 * CEL's `matches` takes RE2 syntax (the CEL specification says so), and a condition's text may be
 * matched against arguments a caller chose. The library's own `matches` runs V8's backtracking
 * engine: `(a+)+$` on a long run of `a`s would stall a proxy every tenant shares, and RE2 syntax
 * such as `(?i)` fails there at run time. So conditions are compiled with `matches` calls routed
 * to `re2Matches`, run on re2js (linear in the text for every pattern), and literal patterns are
 * checked as RE2 when a condition is saved.
 */

export const RE2_MATCHES = 're2Matches';

/** Compiled patterns by source (conditions use a handful; the cap bounds patterns built from data). */
const compiled = new Map<string, RE2JS>();
const MAX_CACHED = 500;

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether `text` contains a match of `pattern` (RE2 syntax), as CEL's `matches`. */
export function re2Matches(text: string, pattern: string): boolean {
  let re: RE2JS;
  try {
    re = compile(pattern);
  } catch (err) {
    throw new Error(`Invalid regular expression: ${pattern} (${(err as Error).message})`);
  }
  return re.matcher(text).find();
}

/** Why `pattern` is not RE2, or undefined when it is. */
export function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

interface Node {
  op: string;
  args: unknown;
  pos?: number;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).op === 'string';

/** Each `matches` call in the tree, with its pattern argument node. */
export function matchesCalls(node: unknown, out: { call: Node; pattern: unknown }[] = []) {
  if (Array.isArray(node)) {
    for (const child of node) matchesCalls(child, out);
  } else if (isNode(node)) {
    const args = node.args;
    if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(args) && args[0] === 'matches') {
      const params = (node.op === 'rcall' ? args[2] : args[1]) as unknown[];
      out.push({ call: node, pattern: Array.isArray(params) ? params[params.length - 1] : undefined });
    }
    if (typeof args !== 'string') matchesCalls(args, out);
  }
  return out;
}

/** The tree with every `matches` call made a `re2Matches` call (a copy; the input is untouched). */
export function withRe2Matches<T>(node: T): T {
  if (Array.isArray(node)) return node.map((child: unknown) => withRe2Matches(child)) as T;
  if (!isNode(node)) return node;
  const args = node.args;
  if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(args) && args[0] === 'matches')
    return { ...node, args: [RE2_MATCHES, ...args.slice(1).map((a: unknown) => withRe2Matches(a))] };
  return { ...node, args: typeof args === 'string' ? args : withRe2Matches(args) };
}
