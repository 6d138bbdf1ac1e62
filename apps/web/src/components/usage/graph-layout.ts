import { GRAPH_COLUMNS, type UsageGraph } from '@toolgate/api/schemas/usage';

/* Where the call graph's nodes and edges go: four columns, the busiest nodes first. */

/** More nodes than this in a column fold into one "+N more" node. */
const MAX_PER_COLUMN = 12;
const ROW = 50;
export const NODE_HEIGHT = 38;
const HEADER = 28;
const PAD = 4;

type Node = UsageGraph['nodes'][number];
export type Edge = UsageGraph['edges'][number];

interface Layout {
  nodes: (Node & { x: number; y: number })[];
  edges: Edge[];
  height: number;
  nodeWidth: number;
  columnX: number[];
}

/** Keeps the busiest nodes of each column, folds the rest, and merges the edges that fold with them. */
export function foldGraph(graph: Pick<UsageGraph, 'nodes' | 'edges'>, maxPerColumn = MAX_PER_COLUMN) {
  const shown = new Map<string, string>();
  const nodes: Node[] = [];
  for (const column of GRAPH_COLUMNS) {
    const inColumn = graph.nodes.filter((n) => n.column === column).sort((a, b) => b.calls - a.calls);
    const keep = inColumn.length > maxPerColumn ? inColumn.slice(0, maxPerColumn - 1) : inColumn;
    for (const n of keep) {
      shown.set(n.id, n.id);
      nodes.push({ ...n });
    }
    const rest = inColumn.slice(keep.length);
    if (rest.length > 0) {
      const id = `${column}:*more*`;
      for (const n of rest) shown.set(n.id, id);
      nodes.push({
        id,
        column,
        label: `+${rest.length} more`,
        calls: rest.reduce((s, n) => s + n.calls, 0),
        errors: rest.reduce((s, n) => s + n.errors, 0),
      });
    }
  }
  const edges = new Map<string, Edge>();
  for (const e of graph.edges) {
    const from = shown.get(e.from);
    const to = shown.get(e.to);
    if (!from || !to) continue;
    const key = `${from}\u0000${to}`;
    const existing = edges.get(key);
    if (existing) {
      existing.calls += e.calls;
      existing.errors += e.errors;
    } else edges.set(key, { from, to, calls: e.calls, errors: e.errors });
  }
  return { nodes, edges: [...edges.values()] };
}

/**
 * Positions in pixels. The first column is ordered by calls; each next one by where its callers
 * sit (the call-weighted mean row of the nodes its edges come from), which keeps edges from
 * crossing where they need not.
 */
export function layout(graph: Pick<UsageGraph, 'nodes' | 'edges'>, width: number): Layout {
  const folded = foldGraph(graph);
  const nodeWidth = Math.max(90, Math.min(190, (width - 3 * 48) / 4));
  const columnX = GRAPH_COLUMNS.map((_, i) => PAD + (i * (width - 2 * PAD - nodeWidth)) / 3);
  const columns = GRAPH_COLUMNS.map((c) => folded.nodes.filter((n) => n.column === c));
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const row = new Map<string, number>();
  const placed = columns.flatMap((inColumn, ci) => {
    const ordered =
      ci === 0
        ? inColumn
        : inColumn
            .map((n) => {
              let weight = 0;
              let sum = 0;
              for (const e of folded.edges) {
                const from = e.to === n.id ? row.get(e.from) : undefined;
                if (from === undefined) continue;
                weight += e.calls;
                sum += e.calls * from;
              }
              return { n, key: weight > 0 ? sum / weight : Number.POSITIVE_INFINITY };
            })
            .sort((a, b) => a.key - b.key || b.n.calls - a.n.calls)
            .map(({ n }) => n);
    const offset = ((rows - ordered.length) * ROW) / 2;
    return ordered.map((n, i) => {
      const y = HEADER + offset + i * ROW;
      row.set(n.id, y);
      return { ...n, x: columnX[ci]!, y };
    });
  });
  return { nodes: placed, edges: folded.edges, height: HEADER + rows * ROW, nodeWidth, columnX };
}
