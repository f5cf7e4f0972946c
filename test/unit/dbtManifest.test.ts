import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downstreamCount, downstreamNames, downstreamOf, manifestEntry, parseManifest } from '../../src/dbt/manifest';

const FIXTURES = join(__dirname, '..', 'fixtures', 'dbt-logs');
// Written by dbt 1.11 for dbt-sample (plus the failing tests of capture.mjs); macros and SQL trimmed.
const manifest = parseManifest(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));

describe('dbt manifest', () => {
  it('reads the project and its nodes', () => {
    assert.equal(manifest.projectName, 'greenery');
    assert.equal(manifest.adapterType, 'duckdb');
    assert.equal(manifest.dbtVersion, '1.11.16');
    assert.equal([...manifest.relations.values()].filter((node) => node.resourceType === 'model').length, 25);
    assert.equal([...manifest.relations.values()].filter((node) => node.resourceType === 'snapshot').length, 2);
    assert.equal(manifest.sources.size, 8);
    assert.equal([...manifest.tests.values()].filter((test) => test.kind === 'unit').length, 2);
    assert.equal([...manifest.tests.values()].filter((test) => test.kind === 'singular').length, 6);
  });

  it('gives a model its relation, file, folders and documented columns', () => {
    const model = manifest.relations.get('model.greenery.stg_orders');
    assert.ok(model);
    assert.equal(model.database, 'greenery');
    assert.equal(model.schema, 'silver');
    assert.equal(model.alias, 'stg_orders');
    assert.equal(model.materialization, 'incremental');
    assert.equal(model.originalFilePath, 'models/staging/sql_server_dbo/stg_orders.sql');
    assert.equal(model.patchPath, 'models/staging/sql_server_dbo/_sql_server_dbo__models.yml');
    assert.deepEqual(model.folders, ['staging', 'sql_server_dbo']);
    assert.match(model.description ?? '', /^Latest version of every order/);
    assert.equal(model.columns[0]?.name, 'order_id');
    assert.equal(model.columns[0]?.description, 'UUID of the order.');
    assert.deepEqual(model.dependsOn, ['source.greenery.sql_server_dbo.orders']);
    assert.deepEqual(manifest.relations.get('model.greenery.fct_orders')?.folders, ['marts', 'core']);
    const snapshot = manifest.relations.get('snapshot.greenery.users_snapshot');
    assert.equal(snapshot?.schema, 'snapshots');
    assert.equal(snapshot?.originalFilePath, 'snapshots/_snapshots.yml');
  });

  it('gives a source its table, loader column and freshness rules', () => {
    const source = manifest.sources.get('source.greenery.sql_server_dbo.orders');
    assert.ok(source);
    assert.equal(source.sourceName, 'sql_server_dbo');
    assert.equal(source.name, 'orders');
    assert.equal(source.schema, 'bronze');
    assert.equal(source.identifier, 'orders');
    assert.equal(source.loadedAtField, '_fivetran_synced');
    assert.deepEqual(source.freshness, { warnAfter: { count: 24, period: 'hour' }, errorAfter: { count: 72, period: 'hour' } });
    assert.equal(source.originalFilePath, 'models/staging/sql_server_dbo/_sql_server_dbo__sources.yml');
    assert.ok(source.columns.some((column) => column.name === 'promo_id'));
  });

  it('attaches tests to their node, column and file', () => {
    const generic = manifest.tests.get('test.greenery.accepted_values_stg_orders_shipping_service__ups__usps.bb198ab089');
    assert.equal(generic?.kind, 'generic');
    assert.equal(generic?.testName, 'accepted_values');
    assert.equal(generic?.attachedNode, 'model.greenery.stg_orders');
    assert.equal(generic?.columnName, 'shipping_service');
    assert.equal(generic?.originalFilePath, 'models/staging/sql_server_dbo/_sql_server_dbo__models.yml');
    assert.equal(manifest.tests.get('test.greenery.not_null_stg_orders_promo_name.e92658b5c4')?.severity, 'warn');
    const singular = manifest.tests.get('test.greenery.assert_always_fails');
    assert.equal(singular?.kind, 'singular');
    assert.equal(singular?.originalFilePath, 'tests/singular/assert_always_fails.sql');
    const unit = [...manifest.tests.values()].find((test) => test.kind === 'unit');
    assert.equal(unit?.attachedNode, 'model.greenery.stg_events');
    assert.match(unit?.originalFilePath ?? '', /\.yml$/);
    const ofOrders = manifest.testsByNode.get('model.greenery.stg_orders') ?? [];
    assert.ok(ofOrders.includes('test.greenery.accepted_values_stg_orders_shipping_service__ups__usps.bb198ab089'));
    // A relationships test counts for both models it compares.
    assert.ok((manifest.testsByNode.get('model.greenery.stg_promos') ?? []).some((id) => id.startsWith('test.greenery.relationships_stg_orders_promo_id')));
  });

  it("names what 'build this node and downstream' builds, and no test", () => {
    assert.deepEqual(downstreamNames(manifest, 'model.greenery.stg_users').sort(), ['dim_users', 'stg_users', 'user_purchases', 'user_web_analytics', 'users_snapshot']);
    assert.deepEqual(downstreamNames(manifest, 'model.greenery.stg_promos'), ['stg_promos', 'dim_promos']);
    assert.ok(downstreamNames(manifest, 'source.greenery.sql_server_dbo.users').includes('stg_users'));
    assert.ok(!downstreamNames(manifest, 'source.greenery.sql_server_dbo.users').some((name) => name.includes('.')), 'the source itself is not built');
  });

  it('walks the lineage downstream, without tests unless asked', () => {
    assert.deepEqual(downstreamOf(manifest, 'model.greenery.stg_promos'), ['model.greenery.dim_promos']);
    const downstream = downstreamOf(manifest, 'model.greenery.stg_orders');
    // Direct children first, then theirs: fct_orders feeds the marketing and product marts.
    assert.ok(downstream.indexOf('model.greenery.fct_orders') < downstream.indexOf('model.greenery.user_purchases'));
    assert.ok(downstream.includes('model.greenery.product_sales'));
    assert.equal(downstreamCount(manifest, 'model.greenery.stg_orders'), 10);
    assert.ok(downstreamOf(manifest, 'model.greenery.stg_promos', { includeTests: true }).some((id) => id.startsWith('test.greenery.unique_dim_promos')));
    assert.equal(downstreamCount(manifest, 'model.greenery.product_sales'), 0);
    assert.ok(downstreamCount(manifest, 'source.greenery.sql_server_dbo.orders') > downstreamCount(manifest, 'model.greenery.stg_orders'));
    assert.equal(manifestEntry(manifest, 'source.greenery.sql_server_dbo.orders')?.resourceType, 'source');
  });

  it('tolerates missing fields and rebuilds the lineage from depends_on', () => {
    assert.equal(parseManifest({}).relations.size, 0);
    assert.equal(parseManifest(null).sources.size, 0);
    const sparse = parseManifest({
      nodes: {
        'model.p.a': { resource_type: 'model', config: { meta: { layer: 'gold' } }, meta: { layer: 'silver', owner: 'x' } },
        'model.p.b': { unique_id: 'model.p.b', name: 'b', depends_on: { nodes: ['model.p.a'] }, tags: 'not a list', columns: { id: { data_type: 'integer' } } },
        'test.p.t': { resource_type: 'test', depends_on: { nodes: ['model.p.b'] }, test_metadata: { name: 'unique' } },
        'analysis.p.z': { resource_type: 'analysis' },
        broken: 42,
      },
    });
    const a = sparse.relations.get('model.p.a');
    assert.equal(a?.name, 'a');
    assert.equal(a?.schema, '');
    assert.equal(a?.metaLayer, 'gold', 'config.meta wins over meta');
    assert.equal(a?.meta.owner, 'x');
    assert.deepEqual(sparse.relations.get('model.p.b')?.tags, []);
    assert.deepEqual(sparse.relations.get('model.p.b')?.columns, [{ name: 'id', description: undefined, dataType: 'integer', meta: {}, tags: [] }]);
    assert.equal(sparse.tests.get('test.p.t')?.attachedNode, 'model.p.b');
    assert.deepEqual(sparse.childMap.get('model.p.a'), ['model.p.b']);
    assert.deepEqual(sparse.parentMap.get('model.p.b'), ['model.p.a']);
    assert.deepEqual(downstreamOf(sparse, 'model.p.a', { includeTests: true }), ['model.p.b', 'test.p.t']);
    assert.equal(sparse.relations.size, 2);
  });

  it('handles a thousand-model manifest', () => {
    const nodes: Record<string, unknown> = {};
    const template = manifest.relations.get('model.greenery.stg_orders');
    for (let index = 0; index < 1000; index++) {
      nodes[`model.big.m${index}`] = {
        resource_type: 'model',
        name: `m${index}`,
        schema: 'gold',
        fqn: ['big', 'marts', `m${index}`],
        original_file_path: `models/marts/m${index}.sql`,
        depends_on: { nodes: index === 0 ? [] : [`model.big.m${Math.floor((index - 1) / 2)}`] },
        columns: Object.fromEntries((template?.columns ?? []).map((column) => [column.name, { name: column.name, description: column.description }])),
        config: { materialized: 'table' },
      };
      for (const test of ['unique', 'not_null', 'accepted_values', 'relationships']) {
        nodes[`test.big.${test}_m${index}`] = { resource_type: 'test', name: `${test}_m${index}`, test_metadata: { name: test }, attached_node: `model.big.m${index}`, column_name: 'order_id', depends_on: { nodes: [`model.big.m${index}`] } };
      }
    }
    const big = parseManifest(JSON.stringify({ nodes }));
    assert.equal(big.relations.size, 1000);
    assert.equal(big.tests.size, 4000);
    assert.equal(downstreamCount(big, 'model.big.m0'), 999);
    assert.equal(big.testsByNode.get('model.big.m999')?.length, 4);
  });
});
