import { describe, expect, it } from 'vitest';
import { conditionProblem, problemFromDetails, problemMarker, problemText } from './condition-problem.ts';

describe('condition problems', () => {
  it('finds what the server would refuse, with its position', () => {
    expect(conditionProblem('"external-send" in tool.labels && session.tainted')).toBeNull();
    const problem = conditionProblem('caller.rol == "admin"')!;
    expect(problem).toEqual({ message: 'No such key: rol', offset: 7, line: 1, column: 8 });
    expect(problemText(problem)).toBe('Line 1, column 8: No such key: rol');
  });

  it('puts the caret under the column, on the problem’s line', () => {
    const source = 'tool.name == "x" &&\n  caller.teams.contains("a")';
    const problem = conditionProblem(source)!;
    expect(problem).toMatchObject({ line: 2, column: 3 });
    expect(problemMarker(source, problem)).toEqual({ text: '  caller.teams.contains("a")', caret: '  ^' });
    expect(problemMarker('caller.rol == "admin"', { message: '', offset: 7, line: 1, column: 8 }).caret).toBe(
      '       ^',
    );
  });

  it('keeps tabs before the column and marks the end of an unfinished line', () => {
    expect(problemMarker('\ttool.nam', { message: '', offset: 6, line: 1, column: 7 }).caret).toBe(
      '\t     ^',
    );
    const unfinished = conditionProblem('tool.name ==')!;
    expect(problemMarker('tool.name ==', unfinished)).toEqual({
      text: 'tool.name ==',
      caret: '            ^',
    });
  });

  it('reads the position the server sends, and nothing else', () => {
    const condition = { message: 'No such key: nam', offset: 5, line: 1, column: 6 };
    expect(problemFromDetails({ condition })).toEqual(condition);
    expect(problemFromDetails({ condition: { message: 'x' } })).toBeNull();
    expect(problemFromDetails(null)).toBeNull();
  });
});
