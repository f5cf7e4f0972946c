import { strict as assert } from 'node:assert';
import { buildLineageGraph, focusSubgraph, LANES, layoutGraph, type GraphNode, type LineageGraph } from '../../src/authoring/lineageGraph';
import { Random } from '../../src/core/random';
import { sampleIndex, syntheticIndex } from '../support/authoring';
import { syntheticProject } from '../support/syntheticProject';

/** A random DAG over lanes: edges go from a lower index to a higher one, lanes non-decreasing except into snapshots. */
function randomGraph(seed: string, size: number): LineageGraph {
  const random = new Random(seed);
  const lanes = ['bronze', 'silver', 'gold', 'snapshots', 'other'] as const;
  const nodes: GraphNode[] = [];
  for (let index = 0; index < size; index++) {
    const lane = lanes[Math.min(lanes.length - 1, Math.floor((index / size) * 3 + (random.chance(0.1) ? 1 : 0)))] as GraphNode['lane'];
    nodes.push({ id: `n${String(index).padStart(4, '0')}`, label: `node_${random.int(0, 999)}`, kind: lane === 'bronze' ? 'source' : 'model', lane });
  }
  const edges: LineageGraph['edges'] = [];
  for (let index = 1; index < size; index++) {
    const parents = new Set<number>();
    for (let count = random.int(index < 3 ? 0 : 1, 3); count > 0; count--) parents.add(random.int(Math.max(0, index - 30), index - 1));
    for (const parent of parents) edges.push({ from: (nodes[parent] as GraphNode).id, to: (nodes[index] as GraphNode).id });
  }
  return { nodes, edges };
}

/** The reference: plain breadth-first search, hop by hop, each direction on its own. */
function bfs(graph: LineageGraph, start: string, up: number, down: number): Set<string> {
  const keep = new Set<string>([start]);
  for (const [hops, forward] of [[up, false], [down, true]] as const) {
    let level = new Set([start]);
    const seen = new Set([start]);
    for (let hop = 0; hop < hops; hop++) {
      const next = new Set<string>();
      for (const edge of graph.edges) {
        const [a, b] = forward ? [edge.from, edge.to] : [edge.to, edge.from];
        if (level.has(a) && !seen.has(b)) next.add(b);
      }
      next.forEach((id) => {
        seen.add(id);
        keep.add(id);
      });
      level = next;
    }
  }
  return keep;
}

const shuffle = <T>(items: readonly T[], random: Random): T[] => {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
};

/** Crossings of straight segments between adjacent columns, counted pair by pair. */
function bruteCrossings(layout: ReturnType<typeof layoutGraph>): number {
  const segments = layout.edges.flatMap((edge) => edge.points.slice(1).map((point, at) => [edge.points[at] as { x: number; y: number }, point] as const));
  const normal = segments.map(([a, b]) => (a.x < b.x ? [a, b] : [b, a]));
  let crossings = 0;
  for (let i = 0; i < normal.length; i++) {
    for (let j = i + 1; j < normal.length; j++) {
      const [a1, a2] = normal[i] as [{ x: number; y: number }, { x: number; y: number }];
      const [b1, b2] = normal[j] as [{ x: number; y: number }, { x: number; y: number }];
      if (a1.x !== b1.x) continue;
      if ((a1.y - b1.y) * (a2.y - b2.y) < 0) crossings++;
    }
  }
  return crossings;
}

describe('authoring: lineage graph', () => {
  it('has every dbt-sample source, model and snapshot in its layer lane, with the manifest edges', () => {
    const index = sampleIndex();
    const graph = buildLineageGraph(index, (id) => (id === 'model.greenery.stg_orders' ? { rows: 12, status: { status: 'success', at: '2026-01-01T00:00:00Z' } } : undefined));
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    assert.equal(byId.get('source.greenery.sql_server_dbo.orders')?.lane, 'bronze');
    assert.equal(byId.get('model.greenery.stg_orders')?.lane, 'silver');
    assert.equal(byId.get('model.greenery.stg_orders')?.rows, 12);
    assert.equal(byId.get('model.greenery.stg_orders')?.status?.status, 'success');
    assert.equal(byId.get('model.greenery.fct_orders')?.lane, 'gold');
    assert.equal(byId.get('snapshot.greenery.users_snapshot')?.lane, 'snapshots');
    assert.ok(graph.edges.some((edge) => edge.from === 'source.greenery.sql_server_dbo.orders' && edge.to === 'model.greenery.stg_orders'));
    assert.ok(graph.edges.every((edge) => byId.has(edge.from) && byId.has(edge.to)));
    assert.ok(!graph.nodes.some((node) => node.id.startsWith('test.')));
  });

  it('focuses n hops up and down exactly as a breadth-first search does, on many seeded graphs', () => {
    for (let seed = 0; seed < 30; seed++) {
      const graph = randomGraph(`focus-${seed}`, 80);
      const random = new Random(`pick-${seed}`);
      for (let probe = 0; probe < 10; probe++) {
        const start = (graph.nodes[random.int(0, graph.nodes.length - 1)] as GraphNode).id;
        const [up, down] = [random.int(0, 4), random.int(0, 4)];
        const focus = focusSubgraph(graph, start, up, down);
        assert.deepEqual(new Set(focus.nodes.map((node) => node.id)), bfs(graph, start, up, down), `seed ${seed}, ${start} up ${up} down ${down}`);
        const kept = new Set(focus.nodes.map((node) => node.id));
        assert.deepEqual(focus.edges, graph.edges.filter((edge) => kept.has(edge.from) && kept.has(edge.to)));
      }
    }
    assert.deepEqual(focusSubgraph(randomGraph('x', 5), 'missing', 2, 2), { nodes: [], edges: [] });
  });

  it('lays out every node in its lane, same-lane parents to the left, crossings counted right, the same for any input order', () => {
    for (let seed = 0; seed < 20; seed++) {
      const graph = randomGraph(`layout-${seed}`, 120);
      const layout = layoutGraph(graph);
      const lanes = new Map(layout.lanes.map((lane) => [lane.lane, lane]));
      assert.deepEqual(layout.lanes.map((lane) => lane.lane), LANES.filter((lane) => graph.nodes.some((node) => node.lane === lane)));
      const placed = new Map(layout.nodes.map((node) => [node.id, node]));
      for (const node of graph.nodes) {
        const at = placed.get(node.id);
        const lane = lanes.get(node.lane);
        assert.ok(at && lane, node.id);
        assert.equal(at.lane, node.lane);
        assert.ok(at.column >= lane.column && at.column < lane.column + lane.columns, `${node.id} outside its lane`);
        assert.ok(at.x >= lane.x && at.x < lane.x + lane.width);
      }
      for (const edge of graph.edges) {
        const [from, to] = [placed.get(edge.from), placed.get(edge.to)];
        if (from?.lane === to?.lane) assert.ok((from?.column ?? 0) < (to?.column ?? 0), `${edge.from} -> ${edge.to} not left to right`);
      }
      // No two vertices share a place.
      const places = new Set(layout.nodes.map((node) => `${node.column}:${node.row}`));
      assert.equal(places.size, layout.nodes.length);
      assert.equal(layout.crossings, bruteCrossings(layout), `seed ${seed}: crossings`);
      const random = new Random(`shuffle-${seed}`);
      const shuffled = layoutGraph({ nodes: shuffle(graph.nodes, random), edges: shuffle(graph.edges, random) });
      const sameOrder = (list: typeof layout.nodes) => [...list].sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(sameOrder(shuffled.nodes), sameOrder(layout.nodes), `seed ${seed}: depends on input order`);
    }
  });

  it('reduces crossings with its barycentre sweeps on a generated 1,000-model project', () => {
    const graph = buildLineageGraph(syntheticIndex(syntheticProject()));
    const swept = layoutGraph(graph);
    const unswept = layoutGraph(graph, { passes: 0 });
    assert.equal(graph.nodes.length, 1000 + graph.nodes.filter((node) => node.kind === 'source').length);
    assert.ok(swept.crossings < unswept.crossings * 0.8, `${swept.crossings} vs ${unswept.crossings} before the sweeps`);
    assert.deepEqual(layoutGraph(graph), swept);
  });
});
