import { describe, expect, it } from 'vitest';
import { foldGraph, layout } from './graph-layout.ts';

const node = (column: 'caller' | 'gateway' | 'server' | 'tool', i: number, calls: number, errors = 0) => ({
  id: `${column}:${i}`,
  column,
  label: `${column} ${i}`,
  calls,
  errors,
});

describe('foldGraph', () => {
  it('keeps small graphs as they are', () => {
    const graph = {
      nodes: [node('caller', 1, 5), node('gateway', 1, 5)],
      edges: [{ from: 'caller:1', to: 'gateway:1', calls: 5, errors: 1 }],
    };
    expect(foldGraph(graph)).toEqual(graph);
  });

  it('folds the quietest nodes of a crowded column into one, merging their edges', () => {
    const callers = [
      node('caller', 1, 50),
      node('caller', 2, 30),
      node('caller', 3, 2, 1),
      node('caller', 4, 1),
    ];
    const gateway = node('gateway', 1, 83, 1);
    const graph = {
      nodes: [...callers, gateway],
      edges: callers.map((c) => ({ from: c.id, to: gateway.id, calls: c.calls, errors: c.errors })),
    };
    const folded = foldGraph(graph, 3);
    expect(
      folded.nodes.filter((n) => n.column === 'caller').map((n) => [n.label, n.calls, n.errors]),
    ).toEqual([
      ['caller 1', 50, 0],
      ['caller 2', 30, 0],
      ['+2 more', 3, 1],
    ]);
    expect(folded.edges).toContainEqual({ from: 'caller:*more*', to: 'gateway:1', calls: 3, errors: 1 });
    expect(folded.edges).toHaveLength(3);
  });
});

describe('layout', () => {
  it('orders each column by where its callers sit, so edges do not cross needlessly', () => {
    const graph = {
      nodes: [
        node('server', 1, 40),
        node('server', 2, 20),
        node('tool', 1, 30),
        node('tool', 2, 20),
        node('tool', 3, 10),
      ],
      edges: [
        { from: 'server:1', to: 'tool:1', calls: 30, errors: 0 },
        { from: 'server:1', to: 'tool:3', calls: 10, errors: 0 },
        { from: 'server:2', to: 'tool:2', calls: 20, errors: 0 },
      ],
    };
    const { nodes } = layout(graph, 900);
    const tools = nodes.filter((n) => n.column === 'tool').sort((a, b) => a.y - b.y);
    expect(tools.map((n) => n.id)).toEqual(['tool:1', 'tool:3', 'tool:2']);
  });
});
