#!/usr/bin/env node
// `node scripts/bench-preview.mjs`: how fast the table preview answers on a big DuckDB table, with
// the real backend and session (the statements the panel runs, DuckDB's node binding, the value
// conversion). Prints each figure beside its anchor, measured in the same run: the SQL previews
// sent before issue 9 (ORDER BY ... OFFSET over the whole relation for every page). Writes
// bench-results/preview.json; times nothing against a threshold. Aims: every page, sort and
// chart of a 10M-row table or view well under half a second. Options: --rows N (default
// 10,000,000), --keep (reuse the file).
//
//   1. build a wide table of N rows inside DuckDB (range(), no data crosses into Node), and a view of it
//   2. reopen the file cold, then time: first page, count, first and next page sorted by a number,
//      the middle page sorted (table and view: the first one builds the sort index / copy, then
//      every deep page), the last page, a page of 5,000 rows, the charts, the column profile of
//      all 24 columns (beside a plain count(*) and DuckDB's SUMMARIZE of the same table), a CSV
//      export of 1M rows; the middle page is checked against ORDER BY ... OFFSET (the same rows)
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
const rowCount = Number(String(option('rows', '10000000')).replace(/_/g, ''));
const keep = args.includes('--keep');

// The preview modules as the extension bundles them (DuckDB stays external, loaded on first use).
const bundle = join(tmpdir(), 'medallion-bench-preview.cjs');
const entry = join(tmpdir(), 'medallion-bench-preview-entry.ts');
writeFileSync(entry, ['preview', 'previewSession', 'histogram'].map((name) => `export * from ${JSON.stringify(join(root, 'src/warehouse', name))};\n`).join(''));
await esbuild.build({
  absWorkingDir: root,
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  external: ['@duckdb/node-api'],
  logLevel: 'warning',
});
const preview = require(bundle);
const { DuckDBInstance } = await import('@duckdb/node-api');
const dir = join(tmpdir(), 'medallion-bench-preview');
const file = join(dir, `preview-${rowCount}.duckdb`);
const figures = { rows: rowCount };
const now = () => performance.now();
const ms = (value) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

if (!keep || !existsSync(file)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = now();
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run('create schema gold');
  // 24 columns of the usual kinds: keys, text, money, numbers, timestamps, flags, NULLs.
  await connection.run(`
    create table gold.fct_order_items as
    select
      i as order_item_id,
      i // 3 as order_id,
      hash(i) % 100000 as customer_id,
      'SKU-' || lpad((hash(i * 7) % 50000)::varchar, 6, '0') as product_sku,
      ['Monstera', 'Pothos', 'Ficus', 'Cactus', 'Fern', 'Orchid', 'Aloe', 'Snake Plant'][1 + (i % 8)::int] as product_name,
      ['preparing', 'shipped', 'delivered', 'returned'][1 + (hash(i) % 4)::int] as status,
      ((hash(i * 13) % 100000) / 100.0)::decimal(12,2) as unit_price,
      1 + (hash(i * 17) % 7) as quantity,
      ((hash(i * 19) % 2500) / 100.0)::decimal(12,2) as discount,
      ((hash(i * 23) % 1000) / 100.0)::decimal(12,2) as shipping_cost,
      (hash(i * 29) % 1000000) / 1000.0 as weight_kg,
      timestamptz '2020-01-01 00:00:00+00' + to_seconds((i * 13) % 157680000) as ordered_at,
      timestamp '2020-01-01 00:00:00' + to_seconds((i * 17) % 157680000) as updated_at,
      date '2020-01-01' + (i % 1800)::int as order_date,
      hash(i) % 2 = 0 as is_gift,
      case when i % 11 = 0 then null else 'promo-' || (i % 40) end as promo_id,
      ['UPS', 'FedEx', 'USPS', 'DHL'][1 + (i % 4)::int] as shipping_service,
      'tracking-' || hash(i * 31) as tracking_id,
      (hash(i * 37) % 5) + 1 as rating,
      case when i % 3 = 0 then null else 'note ' || (i % 997) end as notes,
      ['US', 'CA', 'MX', 'GB', 'DE', 'FR'][1 + (i % 6)::int] as country,
      (hash(i * 41) % 100000)::double / 7 as score,
      i % 1000 as batch_no,
      uuid() as event_uuid
    from range(${rowCount}) t(i)`);
  connection.closeSync();
  instance.closeSync();
  figures.buildSeconds = (now() - started) / 1000;
  console.log(`built ${rowCount.toLocaleString('en-US')} rows × 24 columns in ${figures.buildSeconds.toFixed(1)} s (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
}

// Cold: a new instance on the file, as the extension opens it on first use (read-write, as it does).
let started = now();
const instance = await DuckDBInstance.create(file);
const connection = await instance.connect();
figures.openMs = now() - started;
const scratchFile = join(dir, 'scratch.duckdb');
rmSync(scratchFile, { force: true });
const backend = preview.createDuckDbPreviewBackend(preview.exclusiveConnection(connection), {
  file,
  scratch: { file: scratchFile, database: 'medallion_preview', budgetBytes: 8 * 2 ** 30 },
});
const source = { kind: 'table', schema: 'gold', name: 'fct_order_items', tableType: 'table' };
const viewSource = { kind: 'table', schema: 'gold', name: 'fct_order_items_view', tableType: 'view' };
const signal = new globalThis.AbortController().signal;
const middle = Math.floor(rowCount / 2);
const sort = { column: 'unit_price', direction: 'desc' };
let sessions = 0;
const session = (from) => new preview.PreviewSession(from, backend, { id: `bench${++sessions}` });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const line = (label, ours, anchor) =>
  console.log(`${label.padEnd(46)} ${ours.padStart(26)}${anchor ? `   anchor ${anchor}` : ''}`);

/** Times `work` `repeat` times: first and median. */
async function measure(work, repeat = 5) {
  const times = [];
  let result;
  for (let i = 0; i < repeat; i++) {
    const t = now();
    result = await work(i);
    times.push(now() - t);
  }
  return { firstMs: times[0], medianMs: median(times), times, result };
}

/** A statement on the connection, as the anchor: the SQL the preview sent before (issue 9). */
const sql = (text) => () => backend.run(text, signal);

const report = (key, label, ours, anchor, format = (entry) => `first ${ms(entry.firstMs)}, median ${ms(entry.medianMs)}`) => {
  figures[key] = { ...ours, times: undefined, result: undefined, ...(anchor ? { anchorFirstMs: anchor.firstMs, anchorMedianMs: anchor.medianMs } : {}) };
  line(label, format(ours), anchor ? format(anchor) : undefined);
};

await connection.run('create or replace view gold.fct_order_items_view as select * from gold.fct_order_items');
console.log(`opened the file in ${ms(figures.openMs)} (our figure; "anchor" = the SQL previews sent before, same run)\n`);

const first = await measure(() => session(source).page(0, 200, undefined, signal));
report('firstPage', 'first page (200), unsorted', first);
const columns = first.result.columns;
report('count', 'count', await measure(() => session(source).count(signal)));

// The previous SQL: late materialization by rowid over the whole table, per page.
const before = (offset) => `select * from "gold"."fct_order_items" where rowid in (select rowid from "gold"."fct_order_items" order by "unit_price" desc nulls last, rowid limit 200 offset ${offset}) order by "unit_price" desc nulls last, rowid`;
report('firstPageSorted', 'first page, sorted by unit_price', await measure(() => session(source).page(0, 200, sort, signal)), await measure(sql(before(0))));
const sorted = session(source);
await sorted.page(0, 200, sort, signal);
report('nextPageSorted', 'next page, sorted', await measure((i) => sorted.page(200 * (i + 1), 200, sort, signal)), await measure(sql(before(200))));

// Deep pages: the first one builds the sorted rowid index (once per sort); later ones read it.
const deep = session(source);
const deepFirst = await measure(() => deep.page(middle, 200, sort, signal), 1);
const deepLater = await measure((i) => deep.page(middle + 200 * (i + 1), 200, sort, signal));
const deepAnchor = await measure(sql(before(middle)), 3);
report('middlePageSortedFirst', `middle page (row ${middle.toLocaleString('en-US')}), sorted, table: 1st`, deepFirst, undefined, (entry) => `${ms(entry.firstMs)} (builds the index)`);
report('middlePageSorted', '  … every deep page after it', deepLater, deepAnchor);
// Not a timing: the index must give the rows ORDER BY ... OFFSET gives.
const check = await backend.run(`select order_item_id from "gold"."fct_order_items" order by "unit_price" desc nulls last, rowid limit 200 offset ${middle + 200}`, signal);
if (JSON.stringify(check.rows.map((row) => row[0])) !== JSON.stringify((await deep.page(middle + 200, 200, sort, signal)).rows.map((row) => row[0]))) {
  throw new Error('the deep page differs from ORDER BY ... OFFSET');
}

// A view: copied once (within the budget) when sorted or paged, then pages like a table.
const tieBreak = preview.tieBreakColumns(columns, sort.column, 'duckdb').map((name) => `"${name}" asc nulls last`).join(', ');
const viewBefore = (offset) => `select * from "gold"."fct_order_items_view" order by "unit_price" desc nulls last, ${tieBreak} limit 200 offset ${offset}`;
const view = session(viewSource);
const viewFirst = await measure(() => view.page(middle, 200, sort, signal), 1);
const viewLater = await measure((i) => view.page(middle + 200 * (i + 1), 200, sort, signal));
const viewAnchor = await measure(sql(viewBefore(middle)), 1);
report('middlePageViewFirst', 'middle page, sorted, view: 1st', viewFirst, undefined, (entry) => `${ms(entry.firstMs)} (copies, indexes)`);
report('middlePageView', '  … every deep page after it', viewLater, viewAnchor);
report('firstPageView', 'first page, sorted, view (after the copy)', await measure(() => view.page(0, 200, sort, signal)), await measure(sql(viewBefore(0)), 3));
await Promise.all([sorted.dispose(), deep.dispose(), view.dispose()]);

report('lastPage', 'last page, unsorted', await measure(() => session(source).page(Math.max(0, rowCount - 200), 200, undefined, signal)));
report('page5000', 'page of 5,000 rows, unsorted', await measure(() => session(source).page(0, 5000, undefined, signal)));

// Charts: bounds from statistics, then one pass; anchor: the one statement that read the column twice.
const column = (name) => columns.find((candidate) => candidate.name === name);
const chart = (name) => () => preview.computeChart(source, column(name), 'duckdb', (text) => backend.run(text, signal));
const x = 'cast("unit_price" as double)';
const step = 'case when raw_step = 0 then 1e0 when raw_step <= p then p when raw_step <= 2 * p then 2 * p when raw_step <= 5 * p then 5 * p else 10 * p end';
const histogramBefore = [
  `with vals as (select ${x} as x from "gold"."fct_order_items" where ${x} > -1e308 and ${x} < 1e308),`,
  `bounds as (select min(x) as lo, max(x) as hi, case when max(x) > min(x) then (max(x) - min(x)) / 20 else 0e0 end as raw_step from vals),`,
  `magnitude as (select lo, hi, raw_step, case when raw_step > 0 then power(10e0, floor(ln(raw_step) / ln(10e0))) else 1e0 end as p from bounds),`,
  `widths as (select lo, hi, ${step} as width from magnitude),`,
  `shape as (select lo, hi, width, floor(lo / width) * width as start from widths)`,
  `select least(cast(floor((vals.x - shape.start) / shape.width) as integer), cast(floor((shape.hi - shape.start) / shape.width) as integer)) as bucket,`,
  `  min(shape.start) as start, min(shape.width) as width, min(cast(floor((shape.hi - shape.start) / shape.width) as integer) + 1) as bins,`,
  `  count(*) as row_count, min(shape.lo) as min_x, min(shape.hi) as max_x`,
  `from vals cross join shape group by 1 order by 1`,
].join('\n');
report('histogram', 'histogram of unit_price', await measure(chart('unit_price'), 3), await measure(sql(histogramBefore), 3));
report('histogramDouble', 'histogram of score (a DOUBLE)', await measure(chart('score'), 3));
report('topValues', 'top values of product_name', await measure(chart('product_name'), 3));

// The column profile of every column, as the Profile toggle computes it: one aggregate statement
// over all columns (the strips' figures), then one statement per column (its histogram). Anchors:
// a plain count(*) and DuckDB's own SUMMARIZE (min, max, approx_unique, avg, std, quartiles, NULL %).
const countAnchor = await measure(sql('select count(*) from "gold"."fct_order_items"'), 3);
const summarizeAnchor = await measure(sql('summarize "gold"."fct_order_items"'), 1);
const profiled = session(source);
const profiledColumns = (await profiled.page(0, 200, undefined, signal)).columns;
await profiled.count(signal);
started = now();
let statsMs;
let approximate = false;
await profiled.profile(
  profiledColumns.map((entry) => entry.name),
  signal,
  (profiles) => {
    statsMs ??= now() - started;
    approximate ||= profiles.some((profile) => profile.distinctApprox);
  },
);
const profileMs = now() - started;
await profiled.dispose();
figures.profile = { statsMs, allMs: profileMs, columns: profiledColumns.length, distinct: approximate ? 'estimated' : 'counted', anchorCountMs: countAnchor.medianMs, anchorSummarizeMs: summarizeAnchor.firstMs };
line(`profile of all ${profiledColumns.length} columns: their figures`, `${ms(statsMs)} (1 statement)`, `count(*) ${ms(countAnchor.medianMs)}, summarize ${ms(summarizeAnchor.firstMs)}`);
line('  … and every histogram', `${ms(profileMs)} in all`, undefined);
console.log(`${''.padEnd(46)} distinct values ${approximate ? 'estimated (approx_count_distinct)' : 'counted'}`);

const csv = join(dir, 'export.csv');
let progressReports = 0;
started = now();
const exported = await backend.exportCsv(`select * from "gold"."fct_order_items" limit 1000000`, csv, signal, { onProgress: () => (progressReports += 1) });
figures.exportMillionMs = now() - started;
figures.exportProgressReports = progressReports;
line('export CSV, 1,000,000 rows', `${ms(figures.exportMillionMs)}`, undefined);
console.log(`${''.padEnd(46)} ${exported} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB, ${progressReports} progress reports`);
rmSync(csv, { force: true });

connection.closeSync();
instance.closeSync();
rmSync(scratchFile, { force: true });
rmSync(`${scratchFile}.wal`, { force: true });
if (!keep) rmSync(dir, { recursive: true, force: true });
rmSync(bundle, { force: true });
rmSync(entry, { force: true });

mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'preview.json'), JSON.stringify(figures, null, 2) + '\n');
console.log(`\ntime to first page: ${ms(figures.firstPage.firstMs)} cold (aim: under 500 ms); figures in bench-results/preview.json`);
