/**
 * The authoring core on real dbt output: dbt-sample copied to a temporary folder, bronze
 * bootstrapped, built and compiled by real dbt on a real DuckDB file. Every CTE of every compiled
 * model previews in DuckDB with the columns it defines; column lineage of every model resolves to
 * columns the warehouse really has and names the model's real columns; every macro call goes to
 * its `{% macro %}` line; a rename leaves a project dbt parses, with the same lineage.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { columnLineage, indexResolver, projectLineage, type ColumnLineage } from '../../src/authoring/columnLineage';
import { cteQuery, listCtes } from '../../src/authoring/ctes';
import { scanJinja } from '../../src/authoring/jinja';
import { definitionAt, type FileAccess } from '../../src/authoring/navigation';
import { buildProjectIndex, type ProjectIndex } from '../../src/authoring/projectIndex';
import { applyRenamePlan, planModelRename } from '../../src/authoring/rename';
import { SqlParser } from '../../src/authoring/sqlParser';
import { LineIndex } from '../../src/authoring/text';
import type { CatalogColumn } from '../../src/core/layers';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { projectFiles } from '../support/authoring';
import { cli, REPO, tempDir } from '../support/cli';
import { copySample, dbt, passed } from '../support/dbt';

/** Where dbt's own packages live in the virtual environment. */
function packageRoots(): Record<string, string> {
  const lib = join(REPO, '.venv', 'lib');
  const python = readdirSync(lib).find((name) => name.startsWith('python')) ?? '';
  const include = join(lib, python, 'site-packages', 'dbt', 'include');
  return { dbt: join(include, 'global_project'), dbt_duckdb: join(include, 'duckdb') };
}

const sources = (column: ColumnLineage): string[] => column.sources.map((source) => `${source.nodeId ?? source.relation}.${source.column}`).sort();

describe('authoring core on dbt-sample built by real dbt', function () {
  this.timeout(900_000);
  const dir = tempDir('authoring');
  const project = copySample(dir);
  const file = join(dir, 'greenery.duckdb');
  let index: ProjectIndex;
  let catalog: CatalogColumn[];
  let parser: SqlParser;
  let warehouse: DuckDbWarehouse;
  const files: FileAccess = {
    read: (path, packageName) => {
      const root = !packageName || packageName === 'greenery' ? project : packageRoots()[packageName];
      const full = root && join(root, path);
      return full && existsSync(full) ? readFileSync(full, 'utf8') : undefined;
    },
  };

  before(async () => {
    const init = cli(['init', '--start', '2026-02-20', '--history', '300', '--seed', 'authoring', '--warehouse', file]);
    assert.equal(init.code, 0, init.stderr);
    const build = dbt(['build'], { warehouse: file, project });
    assert.equal(build.code, 0, passed(build));
    // Compiled after the build: incremental models compile their incremental branch too.
    const compile = dbt(['compile'], { warehouse: file, project });
    assert.equal(compile.code, 0, passed(compile));
    warehouse = await DuckDbWarehouse.open(file);
    catalog = await warehouse.catalog();
    index = buildProjectIndex({ manifest: readFileSync(join(compile.targetDir, 'manifest.json'), 'utf8'), warehouseColumns: catalog });
    parser = await SqlParser.open();
  });

  after(async () => {
    await parser?.close();
    await warehouse?.close();
  });

  const models = () => [...index.nodes.values()].filter((node) => node.kind === 'model');

  it('previews every CTE of every compiled model in DuckDB, with the columns that CTE defines', async () => {
    let ctes = 0;
    for (const model of models()) {
      const sql = model.compiledCode;
      assert.ok(sql, `${model.name} has no compiled SQL`);
      const listing = listCtes(sql);
      // A model of one plain select (the watermark ledger) has none to preview.
      if (listing.ctes.length === 0) assert.doesNotMatch(sql, /^\s*with\b/i, `${model.name}: its CTEs were not found`);
      for (const cte of listing.ctes) {
        const query = cteQuery(sql, cte.name);
        const described = (await warehouse.rows(`describe ${query}`)).map((row) => String(row[0]));
        const lineage = await columnLineage(query, parser, indexResolver(index));
        assert.equal(lineage.status, 'parsed', `${model.name}.${cte.name}`);
        if (lineage.status !== 'parsed') continue;
        assert.deepEqual(described, lineage.columns.map((column) => column.name), `${model.name}.${cte.name}: columns`);
        // It runs for real, not only plans.
        const [count] = await warehouse.rows(`select count(*) from (${query}) as preview`);
        assert.ok(Number(count?.[0]) >= 0);
        ctes++;
      }
    }
    assert.ok(ctes > 60, `${ctes} CTEs`);
  });

  it('resolves every column of every model to columns the warehouse has, and names the columns the model really has', async () => {
    const lineages = await projectLineage(index, parser);
    const real = new Map<string, string[]>();
    for (const column of catalog) {
      const key = `${column.schema}.${column.table}`.toLowerCase();
      real.set(key, [...(real.get(key) ?? []), column.column]);
    }
    let resolved = 0;
    for (const model of models()) {
      const lineage = lineages.get(model.uniqueId);
      assert.equal(lineage?.status, 'parsed', model.name);
      if (lineage?.status !== 'parsed') continue;
      assert.deepEqual(lineage.columns.map((column) => column.name), real.get(`${model.schema}.${model.identifier}`.toLowerCase()), `${model.name}: output columns`);
      for (const column of lineage.columns) {
        assert.ok(column.unknown === undefined || column.unknown.length > 0);
        assert.equal(column.unknown, undefined, `${model.name}.${column.name}: ${column.unknown ?? ''}`);
        for (const source of column.sources) {
          const upstream = source.nodeId ? index.nodes.get(source.nodeId) : undefined;
          assert.ok(upstream, `${model.name}.${column.name} reads ${source.relation}, which is no node`);
          assert.ok(upstream.uniqueId === model.uniqueId || model.parents.includes(upstream.uniqueId), `${model.name}.${column.name} reads ${upstream.label}, which is not a parent`);
          assert.ok(real.get(`${upstream.schema}.${upstream.identifier}`.toLowerCase())?.includes(source.column), `${model.name}.${column.name}: ${upstream.label}.${source.column} is not in the warehouse`);
          resolved++;
        }
      }
    }
    assert.ok(resolved > 250, `${resolved} sources`);
    const column = (model: string, name: string): ColumnLineage | undefined => {
      const lineage = lineages.get(`model.greenery.${model}`);
      return lineage?.status === 'parsed' ? lineage.columns.find((entry) => entry.name === name) : undefined;
    };
    assert.deepEqual(sources(column('fct_orders_products', 'line_amount_usd') as ColumnLineage), ['model.greenery.int_product_prices.price_usd', 'model.greenery.stg_order_items.quantity']);
    assert.equal(column('fct_orders_products', 'order_status')?.transform, 'copy');
    assert.deepEqual(sources(column('fct_orders_products', 'order_status') as ColumnLineage), ['model.greenery.stg_orders.status']);
    assert.deepEqual(sources(column('stg_orders', 'promo_name') as ColumnLineage), ['source.greenery.sql_server_dbo.orders.promo_id']);
    assert.equal(column('stg_orders', 'has_promo')?.transform, 'expression');
    // Both sides of the union are literals; the discount comes from bronze on one side only.
    assert.equal(column('stg_promos', 'is_no_promo')?.transform, 'constant');
    assert.deepEqual(sources(column('stg_promos', 'discount_usd') as ColumnLineage), ['source.greenery.sql_server_dbo.promos.discount']);
  });

  it('marks a model unparsed, with DuckDB\'s reason, when its SQL is Snowflake\'s', async () => {
    const snowflake = await columnLineage('select id from "db"."s"."t" start with parent_id is null connect by prior id = parent_id', parser, indexResolver(index));
    assert.equal(snowflake.status, 'unparsed');
    assert.match(snowflake.status === 'unparsed' ? snowflake.reason : '', /syntax error/);
  });

  it('goes from every macro call of the project to the line that defines the macro, dbt\'s own included', () => {
    let calls = 0;
    for (const source of projectFiles(project).filter((entry) => entry.path.endsWith('.sql'))) {
      const lines = new LineIndex(source.text);
      for (const reference of scanJinja(source.text)) {
        if (reference.kind !== 'macro') continue;
        const locations = definitionAt(index, source.text, lines.positionAt(reference.nameSpan.start + 1), { path: source.path, files });
        if (locations.length === 0) {
          // Only names that are no macro of the manifest (Jinja's own, a local) find nothing.
          assert.equal(index.macro(reference.name, reference.package), undefined, `${source.path}: ${reference.name}`);
          continue;
        }
        for (const location of locations) {
          const text = files.read(location.path, location.packageName);
          assert.ok(text, `${location.packageName ?? ''}:${location.path} cannot be read`);
          const line = text.split('\n')[location.line] ?? '';
          assert.match(line, /macro\s+\w+\s*\(/, `${source.path}: ${reference.name} -> ${location.path}:${location.line}`);
          if (!reference.dispatch) assert.ok(line.includes(`macro ${reference.name}`), line);
        }
        if (reference.dispatch && reference.name === 'hash_text') assert.deepEqual(locations.map((location) => location.path.split('/').pop()), ['hashing.sql', 'hashing.sql']);
        calls++;
      }
    }
    assert.ok(calls > 40, `${calls} macro calls`);
  });

  it('renames a model so that dbt parses the project, with the same lineage under the new name', () => {
    const copy = copySample(tempDir('authoring-rename'));
    const before = index.ref('stg_promos');
    assert.ok(before);
    const all = projectFiles(copy);
    const plan = planModelRename({ files: all, oldName: 'stg_promos', newName: 'stg_promotions', index });
    for (const changed of applyRenamePlan(all, plan)) writeFileSync(join(copy, changed.path), changed.text);
    for (const rename of plan.renames) rmSync(join(copy, rename.from));
    const parse = dbt(['parse'], { warehouse: join(dir, 'rename.duckdb'), project: copy });
    assert.equal(parse.code, 0, passed(parse));
    const renamed = buildProjectIndex({ manifest: readFileSync(join(parse.targetDir, 'manifest.json'), 'utf8') });
    assert.equal(renamed.ref('stg_promos'), undefined);
    const after = renamed.ref('stg_promotions');
    assert.ok(after);
    assert.equal(after.file, 'models/staging/sql_server_dbo/stg_promotions.sql');
    assert.equal(after.description, before.description);
    assert.deepEqual(after.columns.map((column) => column.name), index.ref('stg_promos')?.columns.filter((column) => column.origin !== 'catalog').map((column) => column.name));
    assert.deepEqual([...after.children].sort(), [...before.children].sort());
    assert.deepEqual(after.tests.length, before.tests.length);
  });
});
