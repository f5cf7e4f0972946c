import { strict as assert } from 'node:assert';
import { buildLayers, layerOf, type CatalogColumn, type ProjectRelation } from '../../src/views/layers';

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
