import { strict as assert } from 'node:assert';
import { Random } from '../../src/core/random';
import { buildLayers, layerDescription, layerOf, type CatalogColumn, type LayerInfo, type ProjectRelation } from '../../src/core/layers';

const relation = (over: Partial<ProjectRelation> & Pick<ProjectRelation, 'name' | 'schema' | 'kind'>): ProjectRelation => ({
  uniqueId: `${over.kind}.greenery.${over.name}`,
  identifier: over.name,
  folders: [],
  ...over,
});
const column = (schema: string, table: string, name: string, position: number, rows?: number): CatalogColumn => ({
  schema, table, tableType: rows === undefined ? 'view' : 'table', column: name, type: 'VARCHAR', position, rows,
});

describe('medallion layers', () => {
  it('places sources in bronze, staging in silver, marts in gold, snapshots apart', () => {
    assert.equal(layerOf('raw', relation({ kind: 'source', name: 'orders', schema: 'raw' })), 'bronze');
    assert.equal(layerOf('x', relation({ kind: 'model', name: 'stg_orders', schema: 'x', folders: ['staging', 'shop'] })), 'silver');
    assert.equal(layerOf('x', relation({ kind: 'model', name: 'fct', schema: 'x', folders: ['marts', 'core'] })), 'gold');
    assert.equal(layerOf('x', relation({ kind: 'model', name: 'int', schema: 'x', folders: ['intermediate'] })), 'gold');
    assert.equal(layerOf('snap', relation({ kind: 'snapshot', name: 'users_snapshot', schema: 'snap' })), 'snapshots');
    assert.equal(layerOf('scratch', relation({ kind: 'seed', name: 'codes', schema: 'scratch' })), 'other');
  });

  it('lets meta.layer and the setting override, and names warehouse-only schemas', () => {
    assert.equal(layerOf('x', relation({ kind: 'model', name: 'm', schema: 'x', folders: ['staging'], metaLayer: 'gold' })), 'gold');
    assert.equal(layerOf('analytics', relation({ kind: 'model', name: 'm', schema: 'analytics', folders: ['staging'] }), { analytics: 'gold' }), 'gold');
    assert.equal(layerOf('Silver', undefined), 'silver');
    assert.equal(layerOf('raw_data', undefined, { raw_data: 'bronze' }), 'bronze');
    assert.equal(layerOf('misc', undefined), 'other');
  });

  it('joins the project with the catalog, keeping tables that exist only on one side', () => {
    const layers = buildLayers({
      relations: [
        relation({ kind: 'source', name: 'sql_server_dbo.orders', identifier: 'orders', schema: 'bronze', description: 'raw orders', columns: [{ name: 'order_id', description: 'the key' }] }),
        relation({ kind: 'model', name: 'stg_orders', schema: 'silver', folders: ['staging'] }),
      ],
      catalog: [
        column('bronze', 'orders', 'status', 2, 10),
        column('bronze', 'orders', 'order_id', 1, 10),
        column('bronze', '_medallion_batches', 'batch_id', 1, 2),
        column('gold', 'adhoc', 'x', 1, 5),
        column('gold', 'a_view', 'y', 1),
      ],
      hiddenTables: new Set(['bronze._medallion_batches']),
      statuses: new Map([['model.greenery.stg_orders', { status: 'error', at: '2026-01-01T00:00:00Z' }]]),
      syncedAt: new Map([['bronze.orders', '2026-01-02T00:00:00Z']]),
    });
    assert.deepEqual(layers.map((layer) => layer.layer), ['bronze', 'silver', 'gold']);
    const [bronze, silver, gold] = layers;
    assert.deepEqual(bronze?.tables.map((table) => table.name), ['orders'], 'the ledger is hidden');
    assert.deepEqual(bronze?.tables[0]?.columns.map((c) => c.name), ['order_id', 'status'], 'columns in warehouse order');
    assert.equal(bronze?.tables[0]?.columns[0]?.description, 'the key');
    assert.equal(bronze?.tables[0]?.freshAt, '2026-01-02T00:00:00Z');
    assert.equal(bronze?.rows, 10);
    assert.equal(silver?.tables[0]?.existsInWarehouse, false, 'a model not built yet still shows');
    assert.equal(silver?.tables[0]?.status?.status, 'error');
    assert.deepEqual(gold?.tables.map((table) => [table.name, table.tableType, table.rows]), [['a_view', 'view', undefined], ['adhoc', 'table', 5]]);
  });

  it('sorts a thousand tables by name within their layer', () => {
    const catalog: CatalogColumn[] = [];
    for (let t = 999; t >= 0; t--) for (let c = 0; c < 3; c++) catalog.push(column('gold', `table_${String(t).padStart(4, '0')}`, `column_${c}`, c, t));
    const [, , gold] = buildLayers({ relations: [], catalog });
    assert.equal(gold?.tables.length, 1000);
    assert.equal(gold?.tables[0]?.name, 'table_0000');
    assert.equal(gold?.rows, (999 * 1000) / 2);
  });
});

/** A seeded dbt graph: sources and seeds, then models reading earlier nodes, some used by exposures. */
function seededGraph(seed: number): { relations: ProjectRelation[]; exposureUsers: Set<string> } {
  const random = new Random(seed);
  const ids: string[] = [];
  const parents = new Map<string, string[]>();
  const relations: ProjectRelation[] = [];
  const add = (kind: ProjectRelation['kind'], name: string, reads: string[], over: Partial<ProjectRelation> = {}): void => {
    const uniqueId = kind === 'source' ? `source.jaffle.raw.${name}` : `${kind}.jaffle.${name}`;
    parents.set(uniqueId, reads);
    ids.push(uniqueId);
    relations.push(relation({ kind, name, schema: 'main', uniqueId, ...over }));
  };
  for (let i = random.int(0, 3); i > 0; i--) add('source', `src_${i}`, []);
  for (let i = random.int(1, 4); i > 0; i--) add('seed', `raw_${i}`, []);
  const models = random.int(2, 25);
  for (let i = 0; i < models; i++) {
    const reads = ids.filter(() => random.chance(0.3));
    if (reads.length === 0) reads.push(ids[random.int(0, ids.length - 1)] as string);
    const metaLayer = random.chance(0.05) ? 'silver' : undefined;
    add(random.chance(0.1) ? 'snapshot' : 'model', `m_${i}`, reads, metaLayer ? { metaLayer } : {});
  }
  const exposureUsers = new Set(ids.filter((id) => id.startsWith('model.') && random.chance(0.1)));
  for (const item of relations) {
    const readers = relations.filter((other) => (other.kind === 'model' || other.kind === 'snapshot') && parents.get(other.uniqueId)?.includes(item.uniqueId)).length;
    item.graph = { parents: parents.get(item.uniqueId) ?? [], readers, exposures: exposureUsers.has(item.uniqueId) ? 1 : 0 };
  }
  return { relations, exposureUsers };
}

describe('layers inferred from the graph', () => {
  it('places the jaffle shop: seeds that models read in bronze, stg_ views in silver, root models in gold', () => {
    const seed = (name: string, readers: number): ProjectRelation => relation({ kind: 'seed', name, schema: 'main', graph: { parents: [], readers, exposures: 0 } });
    const model = (name: string, parents: string[], readers: number, materialization: string): ProjectRelation =>
      relation({ kind: 'model', name, schema: 'main', materialization, graph: { parents, readers, exposures: 0 } });
    const layers = buildLayers({
      relations: [
        seed('raw_customers', 1),
        seed('raw_orders', 1),
        seed('raw_payments', 1),
        seed('unused_lookup', 0),
        model('stg_customers', ['seed.greenery.raw_customers'], 1, 'view'),
        model('stg_orders', ['seed.greenery.raw_orders'], 2, 'view'),
        model('stg_payments', ['seed.greenery.raw_payments'], 2, 'view'),
        model('customers', ['model.greenery.stg_customers', 'model.greenery.stg_orders', 'model.greenery.stg_payments'], 0, 'table'),
        model('orders', ['model.greenery.stg_orders', 'model.greenery.stg_payments'], 0, 'table'),
      ],
      catalog: [
        column('main', 'raw_customers', 'id', 1, 100),
        column('main', 'raw_orders', 'id', 1, 99),
        column('main', 'raw_payments', 'id', 1, 113),
        column('main', 'stg_customers', 'customer_id', 1),
        column('main', 'stg_orders', 'order_id', 1),
        column('main', 'stg_payments', 'payment_id', 1),
        column('main', 'customers', 'customer_id', 1, 100),
        column('main', 'orders', 'order_id', 1, 99),
      ],
    });
    const byLayer = new Map(layers.map((layer) => [layer.layer, layer]));
    assert.deepEqual(byLayer.get('bronze')?.tables.map((table) => table.name), ['raw_customers', 'raw_orders', 'raw_payments']);
    assert.deepEqual(byLayer.get('silver')?.tables.map((table) => table.name), ['stg_customers', 'stg_orders', 'stg_payments']);
    assert.deepEqual(byLayer.get('gold')?.tables.map((table) => table.name), ['customers', 'orders']);
    assert.deepEqual(byLayer.get('other')?.tables.map((table) => table.name), ['unused_lookup'], 'a seed no model reads is not raw data');
    assert.equal(layerDescription(byLayer.get('silver') as LayerInfo), '3 views', 'a layer of views says so, not "0 rows"');
    assert.equal(layerDescription(byLayer.get('bronze') as LayerInfo), '3 tables · 312 rows');
    assert.match(byLayer.get('bronze')?.tables[0]?.layerReason ?? '', /seed read by 1 model/);
    assert.match(byLayer.get('gold')?.tables[0]?.layerReason ?? '', /no model reads it/);
    assert.match(byLayer.get('silver')?.tables[0]?.layerReason ?? '', /stg_/);
  });

  it('keeps the invariants of the inference over 300 seeded graphs', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { relations, exposureUsers } = seededGraph(seed);
      const layers = buildLayers({ relations, catalog: [] });
      const placed = new Map(layers.flatMap((layer) => layer.tables.map((table) => [table.relation?.uniqueId ?? '', table] as const)));
      const layerOfId = (id: string) => placed.get(id)?.layer;
      for (const [id, table] of placed) {
        const item = table.relation as ProjectRelation;
        const graph = item.graph as NonNullable<ProjectRelation['graph']>;
        const where = `seed ${seed}, ${id} (${table.layerReason})`;
        assert.ok(table.layerReason.length > 0, `${where}: a reason is given`);
        if (item.metaLayer) assert.equal(table.layer, item.metaLayer, `${where}: meta.layer wins`);
        else if (item.kind === 'source') assert.equal(table.layer, 'bronze', where);
        else if (item.kind === 'snapshot') assert.equal(table.layer, 'snapshots', where);
        else if (item.kind === 'seed') assert.equal(table.layer, graph.readers > 0 ? 'bronze' : 'other', where);
        else if (exposureUsers.has(id) || graph.readers === 0) assert.equal(table.layer, 'gold', `${where}: exposures and final models are gold`);
        else assert.equal(table.layer, graph.parents.every((parent) => layerOfId(parent) === 'bronze') ? 'silver' : 'gold', `${where}: silver reads only bronze`);
        if (table.layer === 'silver' && !item.metaLayer) assert.ok(graph.parents.every((parent) => layerOfId(parent) === 'bronze'), `${where}: an inferred silver model reads only bronze`);
      }
      // The setting still overrides every inference.
      const mapped = buildLayers({ relations, catalog: [], mapping: { main: 'other' } });
      for (const layer of mapped) for (const table of layer.tables) if (!table.relation?.metaLayer) assert.equal(layer.layer, 'other', `seed ${seed}: medallion.layers wins`);
    }
  });

  it('describes a layer without mixing estimates into a total', () => {
    const layers = buildLayers({
      relations: [],
      catalog: [
        { ...column('gold', 'a', 'x', 1, 10), rowsEstimated: false },
        { ...column('gold', 'b', 'x', 1, 5), rowsEstimated: true },
        column('gold', 'v', 'x', 1),
        { ...column('silver', 'c', 'x', 1, 7), rowsEstimated: false },
      ],
    });
    const byLayer = new Map(layers.map((layer) => [layer.layer, layer]));
    assert.equal(layerDescription(byLayer.get('gold') as LayerInfo), '2 tables · ≈15 rows · 1 view', 'an estimate anywhere marks the total');
    assert.equal(layerDescription(byLayer.get('silver') as LayerInfo), '1 table · 7 rows');
    assert.equal(layerDescription(byLayer.get('bronze') as LayerInfo), 'empty');
  });
});
