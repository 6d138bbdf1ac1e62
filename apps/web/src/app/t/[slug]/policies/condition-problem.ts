import { checkPolicyCondition } from '@toolgate/core/policy';

/** Where a condition fails to check (`offset` 0-based; `line` and `column` 1-based), and why. */
export interface ConditionProblem {
  message: string;
  offset: number;
  line: number;
  column: number;
}

/** The same check the server makes when the policy is saved, run in the browser first. */
export function conditionProblem(source: string): ConditionProblem | null {
  const check = checkPolicyCondition(source);
  if (check.ok) return null;
  const { message, offset, line, column } = check;
  return { message, offset, line, column };
}

/** The message under the field, as the server words it ("Line 1, column 8: No such key: rol"). */
export const problemText = (p: ConditionProblem) => `Line ${p.line}, column ${p.column}: ${p.message}`;

/**
 * The line a problem is on and a marker line with `^` under its column. The marker keeps the
 * source's tabs before the column, so it lines up however wide a tab is drawn.
 */
export function problemMarker(source: string, problem: ConditionProblem): { text: string; caret: string } {
  const lines = source.split('\n');
  const text = lines[problem.line - 1] ?? '';
  const before = text.slice(0, Math.max(0, problem.column - 1));
  const padding = before.replace(/[^\t]/g, ' ');
  // Past the end of the line (an unexpected end of input): the caret sits just after it.
  return { text, caret: `${padding}${' '.repeat(Math.max(0, problem.column - 1 - before.length))}^` };
}

/** A problem the server sent (`error.data.details.condition`), if it is one. */
export function problemFromDetails(details: unknown): ConditionProblem | null {
  const c = (details as { condition?: unknown } | null | undefined)?.condition as
    Partial<ConditionProblem> | undefined;
  if (
    !c ||
    typeof c.message !== 'string' ||
    typeof c.offset !== 'number' ||
    typeof c.line !== 'number' ||
    typeof c.column !== 'number'
  )
    return null;
  return { message: c.message, offset: c.offset, line: c.line, column: c.column };
}
