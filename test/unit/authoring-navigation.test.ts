import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scanFile, scanJinja } from '../../src/authoring/jinja';
import { definitionAt, hoverAt, nodeHover } from '../../src/authoring/navigation';
import { buildProjectIndex, ProjectIndexCache } from '../../src/authoring/projectIndex';
import { LineIndex } from '../../src/authoring/text';
import { memoryFiles, projectFiles, sampleIndex, syntheticIndex } from '../support/authoring';
import { SAMPLE } from '../support/dbt';
import { syntheticProject } from '../support/syntheticProject';

describe('authoring: project index', () => {
  it('indexes dbt-sample: models, sources, snapshots, files, layers, parents and children', () => {
    const index = sampleIndex();
    const orders = index.ref('stg_orders');
    assert.equal(orders?.file, 'models/staging/sql_server_dbo/stg_orders.sql');
    assert.equal(orders?.patchPath, 'models/staging/sql_server_dbo/_sql_server_dbo__models.yml');
    assert.equal(orders?.layer, 'silver');
    assert.equal(orders?.materialization, 'incremental');
    // Its bronze source, and the incremental models' watermark ledger.
    assert.deepEqual(orders?.parents, ['model.greenery.watermarks', 'source.greenery.sql_server_dbo.orders']);
    assert.ok(orders?.children.includes('model.greenery.fct_orders'));
    assert.ok(orders?.tests.length);
    assert.equal(orders?.columnsFrom, 'yaml');
    assert.equal(index.source('sql_server_dbo', 'orders')?.layer, 'bronze');
    assert.deepEqual(index.sourceNames(), ['google_sheets', 'sql_server_dbo']);
    assert.equal(index.ref('users_snapshot')?.layer, 'snapshots');
    assert.equal(index.ref('fct_orders', 'greenery')?.layer, 'gold');
    assert.equal(index.ref('fct_orders', 'other_package'), undefined);
    assert.deepEqual(index.inFile('models/staging/sql_server_dbo/stg_orders.sql'), ['model.greenery.stg_orders']);
    assert.ok(index.inFile('models/staging/sql_server_dbo/_sql_server_dbo__models.yml').includes('model.greenery.stg_orders'));
    assert.equal(index.byRelation('GREENERY', 'Silver', 'STG_ORDERS')?.uniqueId, 'model.greenery.stg_orders');
    assert.equal(index.byRelation(undefined, 'gold', 'fct_orders')?.uniqueId, 'model.greenery.fct_orders');
    // Parents and children agree with each other.
    for (const node of index.nodes.values()) for (const child of node.children) assert.ok(index.nodes.get(child)?.parents.includes(node.uniqueId), `${node.uniqueId} -> ${child}`);
  });

  it('takes column types and order from the catalog, descriptions from YAML, and the layer setting', () => {
    const manifest = JSON.parse(JSON.stringify(syntheticProject({ models: 20 }).manifest)) as Record<string, unknown>;
    const plain = buildProjectIndex({ manifest });
    const model = [...plain.nodes.values()].find((node) => node.kind === 'model' && node.schema === 'gold');
    assert.ok(model);
    const [first, second] = model.columns;
    const catalog = { nodes: { [model.uniqueId]: { columns: { EXTRA: { name: 'extra', type: 'INTEGER', index: 1 }, [second?.name ?? '']: { name: second?.name, type: 'DOUBLE', index: 2 } }, stats: { row_count: { value: 42 } } } } };
    const index = buildProjectIndex({ manifest, catalog: JSON.stringify(catalog), layerMapping: { gold: 'silver' } });
    const indexed = index.nodes.get(model.uniqueId);
    assert.equal(indexed?.columnsFrom, 'catalog');
    assert.deepEqual(indexed?.columns.map((column) => [column.name, column.type, column.origin]), [
      ['extra', 'INTEGER', 'catalog'],
      [second?.name, 'DOUBLE', 'both'],
      ...model.columns.filter((column) => column !== second).map((column) => [column.name, undefined, 'yaml']),
    ]);
    assert.equal(indexed?.columns[1]?.description, second?.description);
    assert.equal(indexed?.catalogRows, 42);
    assert.equal(indexed?.layer, 'silver', 'the setting maps the gold schema to silver');
    const warehouse = buildProjectIndex({ manifest, warehouseColumns: [{ schema: 'GOLD', table: model.identifier.toUpperCase(), tableType: 'table', column: first?.name ?? '', type: 'VARCHAR', position: 1, rows: 7 }] });
    assert.deepEqual(warehouse.nodes.get(model.uniqueId)?.columns[0], { name: first?.name, type: 'VARCHAR', description: first?.description, origin: 'both' });
  });

  it('rebuilds only when the version changes', () => {
    const cache = new ProjectIndexCache();
    const project = syntheticProject({ models: 10 });
    let loads = 0;
    const load = () => {
      loads++;
      return { manifest: project.manifest };
    };
    const first = cache.get('v1', load);
    assert.equal(cache.get('v1', load), first);
    assert.equal(loads, 1);
    assert.notEqual(cache.get('v2', load), first);
    cache.invalidate();
    const good = cache.get('v2', load);
    assert.equal(loads, 3);
    // A manifest cut short while dbt writes it: one clear line, and the last index is kept.
    assert.throws(() => cache.get('v3', () => ({ manifest: '{"nodes": {' })), (error: unknown) => error instanceof Error && /^manifest\.json is not valid JSON \(.+\); run dbt again to rewrite it$/.test(error.message));
    assert.equal(cache.last, good);
    assert.equal(cache.get('v2', load), good);
    assert.throws(() => buildProjectIndex({ manifest: project.manifest, catalog: 'nope' }), /^Error: catalog\.json is not valid JSON/);
  });
});

describe('authoring: definition and hover', () => {
  const index = sampleIndex();
  const files = projectFiles(SAMPLE);
  const access = memoryFiles(files);

  it('resolves every ref and source in every dbt-sample file to the file and line that defines it', () => {
    let refs = 0;
    let sources = 0;
    for (const file of files) {
      const lines = new LineIndex(file.text);
      for (const reference of scanFile(file.path, file.text)) {
        if (reference.kind !== 'ref' && reference.kind !== 'source') continue;
        const span = reference.kind === 'ref' ? reference.nameSpan : (reference.tableSpan ?? reference.sourceSpan);
        // Anywhere on the name: its first, middle and last character.
        for (const offset of [span.start, (span.start + span.end) >> 1, span.end]) {
          const [location, ...more] = definitionAt(index, file.text, lines.positionAt(offset), { path: file.path, files: access });
          assert.ok(location, `${file.path}: ${file.text.slice(reference.span.start, reference.span.end)}`);
          assert.equal(more.length, 0);
          if (reference.kind === 'ref' && location.path.endsWith('.csv')) {
            // A seed: its CSV file, from its first line.
            assert.equal(location.path, `seeds/${reference.name}.csv`);
            assert.ok(existsSync(join(SAMPLE, location.path)), `${location.path} does not exist`);
            assert.equal(location.line, 0);
            refs++;
            continue;
          }
          const target = files.find((candidate) => candidate.path === location.path);
          assert.ok(target, `${location.path} does not exist`);
          const line = target.text.split('\n')[location.line] ?? '';
          if (reference.kind === 'ref' && location.path.endsWith('.sql')) {
            assert.equal(location.path.split('/').pop(), `${reference.name}.sql`);
            assert.equal(location.line, 0);
            refs++;
          } else if (reference.kind === 'ref') {
            assert.match(line, new RegExp(`- name: ${reference.name}\\b`));
            refs++;
          } else {
            assert.match(line, new RegExp(`- name: ${reference.table ?? ''}\\b`), `${file.path}: ${reference.source}.${reference.table ?? ''} -> line ${location.line}`);
            // The table under its own source, not a table of the same name under another.
            assert.ok(target.text.split('\n').slice(0, location.line).reverse().find((text) => /^ {2}- name: /.test(text))?.includes(reference.source));
            sources++;
          }
        }
      }
    }
    assert.ok(refs > 100 && sources > 20, `${refs} refs, ${sources} sources`);
  });

  it('goes to a macro, every implementation of a dispatch, and a docs block, at their lines', () => {
    const project = syntheticProject({ models: 30 });
    const synthetic = syntheticIndex(project);
    const access2 = memoryFiles(project.files);
    const model = project.files.find((file) => file.text.includes('cents_to_dollars('));
    assert.ok(model);
    const lines = new LineIndex(model.text);
    const at = (needle: string, text = model.text, l = lines) => l.positionAt(text.indexOf(needle) + 2);
    assert.deepEqual(definitionAt(synthetic, model.text, at('cents_to_dollars'), { files: access2 }), [{ path: 'macros/cents_to_dollars.sql', packageName: 'synthetic', line: 0, character: 9 }]);
    const macroFile = project.files.find((file) => file.path === 'macros/cents_to_dollars.sql');
    assert.ok(macroFile);
    const dispatch = definitionAt(synthetic, macroFile.text, at("'cents_to_dollars'", macroFile.text, new LineIndex(macroFile.text)), { files: access2 });
    assert.deepEqual(dispatch.map((location) => `${location.path}:${location.line}`), ['macros/cents_to_dollars.sql:8', 'macros/cents_to_dollars.sql:4']);
    const yaml = project.files.find((file) => file.text.includes("doc('loaded_at')"));
    assert.ok(yaml);
    assert.deepEqual(definitionAt(synthetic, yaml.text, new LineIndex(yaml.text).positionAt(yaml.text.indexOf("doc('loaded_at')") + 6), { path: yaml.path, files: access2 }), [{ path: 'models/_docs.md', packageName: 'synthetic', line: 0, character: 0 }]);
    const hover = hoverAt(synthetic, model.text, at('cents_to_dollars'));
    assert.match(hover?.markdown ?? '', /\{% macro cents_to_dollars\(column\) %\}/);
    assert.match(hover?.markdown ?? '', /Amount in cents as dollars/);
  });

  it('reads only the file a definition points into, and nothing for a model', () => {
    const reads = memoryFiles(files);
    const text = "select * from {{ ref('stg_orders') }}";
    definitionAt(index, text, { line: 0, character: 25 }, { files: reads });
    assert.deepEqual(reads.reads, []);
    definitionAt(index, "{{ source('sql_server_dbo', 'users') }}", { line: 0, character: 30 }, { files: reads });
    assert.deepEqual(reads.reads, ['models/staging/sql_server_dbo/_sql_server_dbo__sources.yml']);
  });

  it('hovers a ref with its description, layer, materialization, columns and the given rows, freshness and run', () => {
    const text = "select * from {{ ref('stg_orders') }}";
    const hover = hoverAt(index, text, { line: 0, character: 24 }, {
      stats: () => ({ rows: 1234, freshAt: '2026-03-01T10:00:00Z', status: { status: 'success', at: '2026-03-01T10:00:00Z', tests: 'pass' } }),
      now: new Date('2026-03-01T13:00:00Z'),
    });
    assert.ok(hover);
    assert.deepEqual(hover.range, { start: { line: 0, character: 17 }, end: { line: 0, character: 34 } });
    const markdown = hover.markdown;
    assert.match(markdown, /^\*\*stg_orders\*\* · model · silver · incremental/);
    assert.match(markdown, /Latest version of every order/);
    assert.match(markdown, /1,234 rows · fresh 3 h ago \(2026-03-01T10:00:00Z\) · last run: success, tests: pass/);
    assert.match(markdown, /\| order_id \| {2}\| UUID of the order\. \|/);
    assert.match(markdown, /`silver.stg_orders` · `models\/staging\/sql_server_dbo\/stg_orders.sql`/);
    const source = hoverAt(index, "{{ source('sql_server_dbo', 'orders') }}", { line: 0, character: 30 });
    assert.match(source?.markdown ?? '', /^\*\*sql_server_dbo.orders\*\* · source `sql_server_dbo` · bronze/);
    assert.match(source?.markdown ?? '', /warn after 24 hours/);
    assert.match(hoverAt(index, "{{ ref('nope') }}", { line: 0, character: 9 })?.markdown ?? '', /No model, seed or snapshot named `nope`/);
    assert.equal(hoverAt(index, 'select 1', { line: 0, character: 3 }), undefined);
  });

  it('keeps a hover table intact whatever a description holds', () => {
    const node = index.ref('stg_orders');
    assert.ok(node);
    const markdown = nodeHover({ ...node, columns: [{ name: 'a|b', type: 'X', description: 'one | two\nthree', origin: 'yaml' }] });
    assert.match(markdown, /\| a\\\|b \| X \| one \\\| two three \|/);
  });

  it('finds the macro definitions of dbt-sample with the scanner the index uses for lines', () => {
    const definitions = files.filter((file) => file.path.startsWith('macros/')).flatMap((file) => scanJinja(file.text).filter((reference) => reference.kind === 'macroDefinition').map((reference) => reference.name));
    assert.ok(definitions.includes('duckdb__hash_text') && definitions.includes('changed_orders'));
  });
});
