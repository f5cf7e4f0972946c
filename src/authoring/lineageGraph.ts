/**
 * The lineage DAG as plain data for the webview: nodes (sources, seeds, models, snapshots) in
 * lanes bronze | silver | gold | snapshots (| other), with kind, materialization and the status
 * the caller passes in; edges; the focus subgraph n hops up and down from a node; and a layered
 * layout: x by lane and by depth within the lane, the order within each column chosen by
 * barycentre sweeps to reduce crossings (long edges routed through virtual points). Deterministic:
 * the same graph always gives the same layout.
 */
import type { Layer } from '../core/layers';
import type { NodeStats } from './navigation';
import type { IndexedKind, ProjectIndex } from './projectIndex';

export type Lane = Layer;
/** Lanes from left to right. */
export const LANES: readonly Lane[] = ['bronze', 'silver', 'gold', 'snapshots', 'other'];

export interface GraphNode extends NodeStats {
  id: string;
  label: string;
  kind: IndexedKind;
  lane: Lane;
  materialization?: string | undefined;
  /** The file that defines it (project-relative), for "click to open". */
  file?: string | undefined;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface LineageGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The project's lineage graph; `stats` adds each node's rows, freshness and last run. */
export function buildLineageGraph(index: ProjectIndex, stats?: (uniqueId: string) => NodeStats | undefined): LineageGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const node of index.nodes.values()) {
    nodes.push({ id: node.uniqueId, label: node.label, kind: node.kind, lane: node.layer, materialization: node.materialization, file: node.file, ...stats?.(node.uniqueId) });
    for (const parent of node.parents) if (index.nodes.has(parent)) edges.push({ from: parent, to: node.uniqueId });
  }
  nodes.sort((a, b) => a.id.localeCompare(b.id));
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { nodes, edges };
}

/** The nodes within `up` hops upstream and `down` hops downstream of `id` (both directed), and the edges among them. */
export function focusSubgraph(graph: LineageGraph, id: string, up: number, down: number): LineageGraph {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const edge of graph.edges) {
    (parents.get(edge.to) ?? parents.set(edge.to, []).get(edge.to))?.push(edge.from);
    (children.get(edge.from) ?? children.set(edge.from, []).get(edge.from))?.push(edge.to);
  }
  const keep = new Set<string>();
  if (!graph.nodes.some((node) => node.id === id)) return { nodes: [], edges: [] };
  const walk = (links: Map<string, string[]>, hops: number): void => {
    let frontier = [id];
    const seen = new Set(frontier);
    for (let hop = 0; hop < hops && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const current of frontier) {
        for (const neighbour of links.get(current) ?? []) {
          if (seen.has(neighbour)) continue;
          seen.add(neighbour);
          next.push(neighbour);
        }
      }
      frontier = next;
    }
    for (const node of seen) keep.add(node);
  };
  walk(parents, up);
  walk(children, down);
  return { nodes: graph.nodes.filter((node) => keep.has(node.id)), edges: graph.edges.filter((edge) => keep.has(edge.from) && keep.has(edge.to)) };
}

export interface LayoutNode {
  id: string;
  lane: Lane;
  /** Column over the whole drawing (lanes side by side). */
  column: number;
  /** Depth within its lane. */
  depth: number;
  /** Position within its column, 0 at the top (virtual points take rows too). */
  row: number;
  x: number;
  y: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  /** From the source's centre through the virtual points to the target's. */
  points: Array<{ x: number; y: number }>;
}

export interface LayoutLane {
  lane: Lane;
  /** First column and number of columns. */
  column: number;
  columns: number;
  x: number;
  width: number;
}

export interface Layout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  lanes: LayoutLane[];
  width: number;
  height: number;
  /** Edge crossings between adjacent columns, after the sweeps. */
  crossings: number;
}

export interface LayoutOptions {
  columnWidth?: number;
  rowHeight?: number;
  /** Barycentre sweeps (down and up) at most. */
  passes?: number;
}

/** Depth of every node within its lane: the longest chain of same-lane parents above it. */
function laneDepths(graph: LineageGraph, lane: ReadonlyMap<string, Lane>): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.from === edge.to || lane.get(edge.from) !== lane.get(edge.to)) continue;
    (parents.get(edge.to) ?? parents.set(edge.to, []).get(edge.to))?.push(edge.from);
  }
  const depth = new Map<string, number>();
  const active = new Set<string>();
  // Iterative DFS: a deep chain of 1,000 models must not overflow the stack.
  for (const node of graph.nodes) {
    if (depth.has(node.id)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: node.id, next: 0 }];
    active.add(node.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const list = parents.get(top.id) ?? [];
      if (top.next < list.length) {
        const parent = list[top.next++] as string;
        // A cycle (which dbt forbids) is cut where it closes.
        if (!depth.has(parent) && !active.has(parent)) {
          active.add(parent);
          stack.push({ id: parent, next: 0 });
        }
        continue;
      }
      let value = 0;
      for (const parent of list) {
        const parentDepth = depth.get(parent);
        if (parentDepth !== undefined) value = Math.max(value, parentDepth + 1);
      }
      depth.set(top.id, value);
      active.delete(top.id);
      stack.pop();
    }
  }
  return depth;
}

/** Crossings between two adjacent columns: inversions of the segments' lower ends, by a Fenwick tree. */
function crossingsBetween(segments: ReadonlyArray<readonly [number, number]>, size: number): number {
  const sorted = [...segments].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const tree = new Int32Array(size + 1);
  let crossings = 0;
  let seen = 0;
  for (const [, lower] of sorted) {
    // Segments already seen whose lower end is below this one's cross it.
    let atMost = 0;
    for (let at = lower + 1; at > 0; at -= at & -at) atMost += tree[at] as number;
    crossings += seen - atMost;
    for (let at = lower + 1; at <= size; at += at & -at) tree[at] = (tree[at] as number) + 1;
    seen++;
  }
  return crossings;
}

/** Lays the graph out in lanes and columns, ordering each column to reduce crossings. */
export function layoutGraph(graph: LineageGraph, options: LayoutOptions = {}): Layout {
  const columnWidth = options.columnWidth ?? 240;
  const rowHeight = options.rowHeight ?? 48;
  const passes = options.passes ?? 12;
  const laneOf = new Map(graph.nodes.map((node) => [node.id, node.lane]));
  const depth = laneDepths(graph, laneOf);
  const lanes: LayoutLane[] = [];
  let column = 0;
  for (const lane of LANES) {
    const members = graph.nodes.filter((node) => node.lane === lane);
    if (members.length === 0) continue;
    const columns = Math.max(...members.map((node) => depth.get(node.id) ?? 0)) + 1;
    lanes.push({ lane, column, columns, x: column * columnWidth, width: columns * columnWidth });
    column += columns;
  }
  const columnCount = column;
  const laneStart = new Map(lanes.map((lane) => [lane.lane, lane.column]));
  // Vertices: real nodes, then one virtual point per column an edge passes through.
  const vertexColumn: number[] = [];
  const indexOf = new Map<string, number>();
  for (const node of [...graph.nodes].sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id))) {
    indexOf.set(node.id, vertexColumn.length);
    vertexColumn.push((laneStart.get(node.lane) ?? 0) + (depth.get(node.id) ?? 0));
  }
  const chains: number[][] = [];
  const segments: Array<[number, number]> = [];
  // Virtual points in a fixed order, so that the layout does not depend on the order edges come in.
  const edgeOrder = graph.edges.map((_, at) => at).sort((a, b) => {
    const [x, y] = [graph.edges[a] as GraphEdge, graph.edges[b] as GraphEdge];
    return x.from.localeCompare(y.from) || x.to.localeCompare(y.to) || a - b;
  });
  for (const at of edgeOrder) {
    const edge = graph.edges[at] as GraphEdge;
    const from = indexOf.get(edge.from);
    const to = indexOf.get(edge.to);
    if (from === undefined || to === undefined || from === to) {
      chains[at] = [];
      continue;
    }
    const chain = [from];
    const start = vertexColumn[from] as number;
    const end = vertexColumn[to] as number;
    const step = end > start ? 1 : -1;
    for (let at = start + step; at !== end; at += step) {
      chain.push(vertexColumn.length);
      vertexColumn.push(at);
    }
    chain.push(to);
    for (let link = 0; link + 1 < chain.length; link++) segments.push([chain[link] as number, chain[link + 1] as number]);
    chains[at] = chain;
  }
  const columns: number[][] = Array.from({ length: columnCount }, () => []);
  vertexColumn.forEach((at, vertex) => columns[at]?.push(vertex));
  // Neighbours on the left and on the right of every vertex.
  const left: number[][] = vertexColumn.map(() => []);
  const right: number[][] = vertexColumn.map(() => []);
  for (const [a, b] of segments) {
    const [low, high] = (vertexColumn[a] as number) < (vertexColumn[b] as number) ? [a, b] : [b, a];
    right[low]?.push(high);
    left[high]?.push(low);
  }
  const position = new Float64Array(vertexColumn.length);
  const renumber = (): void => columns.forEach((list) => list.forEach((vertex, row) => (position[vertex] = row)));
  renumber();
  const countAll = (): number => {
    let total = 0;
    for (let at = 0; at + 1 < columnCount; at++) {
      const between: Array<readonly [number, number]> = [];
      for (const vertex of columns[at] ?? []) for (const neighbour of right[vertex] ?? []) between.push([position[vertex] as number, position[neighbour] as number]);
      total += crossingsBetween(between, (columns[at + 1]?.length ?? 0) + 1);
    }
    return total;
  };
  const sweep = (at: number, neighbours: number[][]): void => {
    const list = columns[at] as number[];
    const keyed = list.map((vertex) => {
      const links = neighbours[vertex] ?? [];
      let sum = 0;
      for (const link of links) sum += position[link] as number;
      return { vertex, key: links.length > 0 ? sum / links.length : (position[vertex] as number) };
    });
    keyed.sort((a, b) => a.key - b.key || (position[a.vertex] as number) - (position[b.vertex] as number));
    keyed.forEach((entry, row) => {
      list[row] = entry.vertex;
      position[entry.vertex] = row;
    });
  };
  let best = countAll();
  let bestOrder = columns.map((list) => [...list]);
  for (let pass = 0; pass < passes && best > 0; pass++) {
    for (let at = 1; at < columnCount; at++) sweep(at, left);
    for (let at = columnCount - 2; at >= 0; at--) sweep(at, right);
    const crossings = countAll();
    if (crossings < best) {
      best = crossings;
      bestOrder = columns.map((list) => [...list]);
    } else if (pass > 2) break;
  }
  bestOrder.forEach((list, at) => (columns[at] = list));
  renumber();
  const point = (vertex: number) => ({ x: (vertexColumn[vertex] as number) * columnWidth + columnWidth / 2, y: (position[vertex] as number) * rowHeight + rowHeight / 2 });
  const nodes: LayoutNode[] = graph.nodes.map((node) => {
    const vertex = indexOf.get(node.id) as number;
    const { x, y } = point(vertex);
    return { id: node.id, lane: node.lane, column: vertexColumn[vertex] as number, depth: depth.get(node.id) ?? 0, row: position[vertex] as number, x, y };
  });
  const edges: LayoutEdge[] = graph.edges.map((edge, at) => ({ from: edge.from, to: edge.to, points: (chains[at] ?? []).map(point) }));
  const height = Math.max(1, ...columns.map((list) => list.length)) * rowHeight;
  return { nodes, edges, lanes, width: columnCount * columnWidth, height, crossings: best };
}
