/**
 * The upstream of a column through a project (`traceColumn`) against a reference computed another
 * way (a fixpoint over every column's sources, shortest hops by relaxation) over seeded random
 * projects with every way a walk can stop; and the lineage data source over the project index:
 * a model's column lineage, whatever the order models are asked for in, is the lineage of the
 * whole project.
 */
import { strict as assert } from 'node:assert';
import { projectLineage, type ColumnLineage, type ModelLineage } from '../../src/authoring/columnLineage';
import { NOT_COMPILED, traceColumn, type TraceState } from '../../src/authoring/columnTrace';
import type { IndexedNode } from '../../src/authoring/projectIndex';
import { SqlParser } from '../../src/authoring/sqlParser';
import { Random } from '../../src/core/random';
import { freshnessOf, projectLineageSource } from '../../src/views/lineageSource';
import { syntheticIndex } from '../support/authoring';
import { syntheticProject } from '../support/syntheticProject';

interface RandomProject {
  /** Lineage by node; undefined: no SQL here. */
  lineage: Map<string, ModelLineage | undefined>;
  hasSql: Set<string>;
  columns: Map<string, string[]>;
}

/** Sources, then models reading earlier nodes' columns, with unknown, unparsed, uncompiled and external parts. */
function randomProject(seed: string, size: number): RandomProject {
  const random = new Random(seed);
  const lineage = new Map<string, ModelLineage | undefined>();
  const hasSql = new Set<string>();
  const columns = new Map<string, string[]>();
  const ids: string[] = [];
  for (let at = 0; at < size; at++) {
    const id = `n${at}`;
    const names = Array.from({ length: random.int(1, 5) }, (_, index) => (random.chance(0.1) ? `Col${index}` : `col${index}`));
    columns.set(id, names);
    if (at < 4 || random.chance(0.1)) {
      lineage.set(id, undefined);
      ids.push(id);
      continue;
    }
    hasSql.add(id);
    const roll = random.next();
    if (roll < 0.06) {
      lineage.set(id, undefined);
    } else if (roll < 0.12) {
      lineage.set(id, { status: 'unparsed', reason: `syntax error in ${id}` });
    } else {
      const entries: ColumnLineage[] = names.map((name) => {
        const sources = Array.from({ length: random.int(0, 3) }, () => {
          if (random.chance(0.05)) return { relation: '"ext"."raw"', column: `x${random.int(0, 2)}` };
          const parent = random.pick(ids.slice(Math.max(0, ids.length - 12)));
          const parentColumns = columns.get(parent) ?? [];
          // Now and then a column the parent does not have (the walk says so there).
          const column = random.chance(0.05) ? 'missing' : random.pick(parentColumns);
          return { relation: `"db"."s"."${parent}"`, nodeId: parent, column: random.chance(0.2) ? column.toUpperCase() : column };
        });
        const unknown = random.chance(0.08) ? `cannot resolve part of ${name}` : undefined;
        return { name, sources, transform: sources.length === 0 ? 'constant' : random.chance(0.5) ? 'copy' : 'expression', unknown };
      });
      if (random.chance(0.05)) entries.push({ name: '*', sources: [], transform: 'expression', unknown: 'the columns of "ext"."raw" are not known' });
      lineage.set(id, { status: 'parsed', columns: entries, relations: [] });
    }
    ids.push(id);
  }
  return { lineage, hasSql, columns };
}

const keyOf = (node: string | undefined, relation: string | undefined, column: string): string => `${node ?? relation}\u0000${column.toLowerCase()}`;

/** The reference: every reachable column with its shortest hops and state, by fixpoint and relaxation. */
function reference(project: RandomProject, start: { nodeId: string; column: string }) {
  const entryOf = (nodeId: string | undefined, column: string): { state: TraceState; reason?: string; sources: Array<{ nodeId?: string; relation: string; column: string }> } => {
    if (nodeId === undefined) return { state: 'root', sources: [] };
    const lineage = project.lineage.get(nodeId);
    if (!lineage) return project.hasSql.has(nodeId) ? { state: 'unknown', reason: NOT_COMPILED, sources: [] } : { state: 'root', sources: [] };
    if (lineage.status === 'unparsed') return { state: 'unparsed', reason: lineage.reason, sources: [] };
    const found = lineage.columns.find((entry) => entry.name.toLowerCase() === column.toLowerCase());
    if (!found) return { state: 'unknown', reason: lineage.columns.find((entry) => entry.name === '*')?.unknown ?? `the compiled SQL produces no column ${column}`, sources: [] };
    return { state: found.unknown ? 'unknown' : 'traced', reason: found.unknown, sources: found.sources };
  };
  const depth = new Map<string, number>([[keyOf(start.nodeId, undefined, start.column), 0]]);
  const where = new Map<string, { nodeId?: string; relation?: string; column: string }>([[keyOf(start.nodeId, undefined, start.column), start]]);
  const links = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, at] of [...depth]) {
      const place = where.get(key) as { nodeId?: string; relation?: string; column: string };
      for (const source of entryOf(place.nodeId, place.column).sources) {
        const next = keyOf(source.nodeId, source.relation, source.column);
        links.add(`${next} -> ${key}`);
        if ((depth.get(next) ?? Infinity) > at + 1) {
          if (!where.has(next)) where.set(next, { nodeId: source.nodeId, relation: source.relation, column: source.column });
          depth.set(next, at + 1);
          changed = true;
        }
      }
    }
  }
  return { depth, where, links, entryOf };
}

describe('column trace through the project', () => {
  it('reaches exactly the upstream columns, each once at its fewest hops, with the state and reason of each, over seeded projects', async () => {
    let unknowns = 0;
    let unparsed = 0;
    let roots = 0;
    for (let seed = 0; seed < 40; seed++) {
      const project = randomProject(`trace-${seed}`, 60);
      const random = new Random(`start-${seed}`);
      for (let attempt = 0; attempt < 5; attempt++) {
        const nodeId = `n${random.int(4, 59)}`;
        const start = { nodeId, column: random.pick(project.columns.get(nodeId) ?? ['col0']) };
        const trace = await traceColumn(start, { lineage: (id) => project.lineage.get(id), hasSql: (id) => project.hasSql.has(id) });
        const expected = reference(project, start);
        const keys = trace.columns.map((column) => keyOf(column.nodeId, column.relation, column.column));
        assert.equal(new Set(keys).size, keys.length, 'each column once');
        assert.deepEqual(new Set(keys), new Set(expected.depth.keys()), `seed ${seed}: the reachable columns`);
        assert.equal(keys[0], keyOf(start.nodeId, undefined, start.column));
        trace.columns.forEach((column, index) => {
          const key = keys[index] as string;
          assert.equal(column.depth, expected.depth.get(key), `${key}: fewest hops`);
          if (index > 0) assert.ok(column.depth >= (trace.columns[index - 1]?.depth ?? 0), 'nearest first');
          const entry = expected.entryOf(column.nodeId, column.column);
          assert.equal(column.state, entry.state, key);
          assert.equal(column.reason, entry.reason, key);
          if (column.state === 'unknown') unknowns++;
          if (column.state === 'unparsed') unparsed++;
          if (column.state === 'root') roots++;
        });
        const links = new Set(trace.links.map((link) => `${keys[link.from]} -> ${keys[link.to]}`));
        assert.equal(links.size, trace.links.length, 'each link once');
        assert.deepEqual(links, expected.links);
        assert.equal(trace.truncated, false);
      }
    }
    assert.ok(unknowns > 20 && unparsed > 5 && roots > 50, `every way a walk ends was seen (${unknowns} unknown, ${unparsed} unparsed, ${roots} roots)`);
  });

  it('stops at its limit and says so', async () => {
    const lineage = new Map<string, ModelLineage>();
    for (let at = 1; at <= 50; at++) lineage.set(`n${at}`, { status: 'parsed', relations: [], columns: [{ name: 'c', transform: 'copy', sources: [{ relation: `n${at - 1}`, nodeId: `n${at - 1}`, column: 'c' }] }] });
    const trace = await traceColumn({ nodeId: 'n50', column: 'c' }, { lineage: (id) => lineage.get(id), hasSql: (id) => id !== 'n0', limit: 10 });
    assert.equal(trace.columns.length, 10);
    assert.equal(trace.truncated, true);
    const whole = await traceColumn({ nodeId: 'n50', column: 'c' }, { lineage: (id) => lineage.get(id), hasSql: (id) => id !== 'n0' });
    assert.equal(whole.columns.length, 51);
    assert.equal(whole.columns.at(-1)?.state, 'root');
  });

  it('survives a cycle (which dbt forbids) without looping', async () => {
    const cycle = (from: string): ModelLineage => ({ status: 'parsed', relations: [], columns: [{ name: 'c', transform: 'copy', sources: [{ relation: from, nodeId: from, column: 'c' }] }] });
    const lineage = new Map([['a', cycle('b')], ['b', cycle('a')]]);
    const trace = await traceColumn({ nodeId: 'a', column: 'c' }, { lineage: (id) => lineage.get(id), hasSql: () => true });
    assert.deepEqual(trace.columns.map((column) => column.nodeId), ['a', 'b']);
    assert.deepEqual(trace.links, [{ from: 1, to: 0 }, { from: 0, to: 1 }]);
  });
});

describe('lineage data source over the project index', function () {
  this.timeout(120_000);
  let parser: SqlParser;

  before(async () => {
    parser = await SqlParser.open();
  });

  after(() => parser?.close());

  it('gives each model the lineage of the whole project, whatever order and concurrency it is asked in', async () => {
    const index = syntheticIndex(syntheticProject({ models: 150, seed: 'lineage-source' }));
    const whole = await projectLineage(index, parser);
    const models = [...whole.keys()];
    assert.ok(models.length >= 150);
    for (const seed of ['a', 'b', 'c']) {
      const random = new Random(seed);
      const order = [...models].sort(() => random.next() - 0.5);
      const source = projectLineageSource({ index: () => index, parser: () => Promise.resolve(parser) });
      // Half one by one, half all at once.
      const half = Math.floor(order.length / 2);
      for (const id of order.slice(0, half)) assert.deepEqual(await source.columnLineage(id), whole.get(id), `${seed}: ${id}`);
      const rest = await Promise.all(order.slice(half).map((id) => source.columnLineage(id)));
      rest.forEach((lineage, at) => assert.deepEqual(lineage, whole.get(order[half + at] as string), `${seed}: ${order[half + at]}`));
    }
  });

  it('has no lineage for a source, and a new index starts afresh', async () => {
    const project = syntheticProject({ models: 20, seed: 'afresh' });
    let index = syntheticIndex(project);
    const source = projectLineageSource({ index: () => index, parser: () => Promise.resolve(parser) });
    const sourceNode = [...index.nodes.values()].find((node) => node.kind === 'source') as IndexedNode;
    assert.equal(await source.columnLineage(sourceNode.uniqueId), undefined);
    const model = project.models[5] as (typeof project.models)[number];
    const before = await source.columnLineage(model.uniqueId);
    assert.equal(before?.status, 'parsed');
    const changed = structuredClone(project.manifest) as { nodes: Record<string, { compiled_code: string }> };
    (changed.nodes[model.uniqueId] as { compiled_code: string }).compiled_code = 'select 1 as only_one';
    index = syntheticIndex({ ...project, manifest: changed });
    const after = await source.columnLineage(model.uniqueId);
    assert.deepEqual(after?.status === 'parsed' ? after.columns.map((column) => [column.name, column.transform]) : after, [['only_one', 'constant']]);
  });

  it('fills each node of the graph with the caller\'s status, catalog rows where it has none, and a source\'s freshness', async () => {
    const project = syntheticProject({ models: 20, seed: 'status' });
    const index = syntheticIndex(project);
    const model = project.models[0] as (typeof project.models)[number];
    const sourceNode = [...index.nodes.values()].find((node) => node.kind === 'source') as IndexedNode;
    Object.assign(sourceNode, { freshness: { warnAfter: { count: 12, period: 'hour' }, errorAfter: { count: 2, period: 'day' } }, catalogRows: 77 });
    const now = new Date('2026-03-01T12:00:00Z');
    const source = projectLineageSource({
      index: () => index,
      parser: () => Promise.resolve(parser),
      now: () => now,
      stats: (id) => (id === model.uniqueId ? { rows: 5, status: { status: 'success', at: now.toISOString() } } : id === sourceNode.uniqueId ? { freshAt: '2026-03-01T00:00:00Z' } : undefined),
    });
    const graph = await source.graph();
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    assert.equal(byId.get(model.uniqueId)?.rows, 5);
    assert.equal(byId.get(model.uniqueId)?.status?.status, 'success');
    assert.equal(byId.get(sourceNode.uniqueId)?.rows, 77, 'catalog rows where the caller has none');
    assert.equal(byId.get(sourceNode.uniqueId)?.freshness, 'pass', '12 h old is not more than 12 h');
    const details = await source.details(model.uniqueId);
    assert.deepEqual(details?.columns.map((column) => column.name), model.columns.map((column) => column.name));
    assert.equal(await source.details('model.nope.nope'), undefined);
  });

  it('judges freshness by the source\'s own warn_after and error_after', () => {
    const node = { freshness: { warnAfter: { count: 24, period: 'hour' }, errorAfter: { count: 3, period: 'day' } } } as unknown as IndexedNode;
    const now = new Date('2026-03-10T00:00:00Z');
    const hoursAgo = (hours: number): string => new Date(now.getTime() - hours * 3_600_000).toISOString();
    assert.equal(freshnessOf(node, hoursAgo(23), now), 'pass');
    assert.equal(freshnessOf(node, hoursAgo(25), now), 'warn');
    assert.equal(freshnessOf(node, hoursAgo(73), now), 'error');
    assert.equal(freshnessOf(node, 'not a date', now), undefined);
    assert.equal(freshnessOf(node, undefined, now), undefined);
    assert.equal(freshnessOf({ freshness: { warnAfter: { count: 30, period: 'minute' } } } as unknown as IndexedNode, hoursAgo(1), now), 'warn');
    assert.equal(freshnessOf({} as IndexedNode, hoursAgo(1000), now), undefined, 'no rules, no verdict');
  });
});
