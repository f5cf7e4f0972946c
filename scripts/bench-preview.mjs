#!/usr/bin/env node
// `node scripts/bench-preview.mjs`: how fast the table preview answers on a big DuckDB table, with
// the real backend (the SQL the panel sends, DuckDB's node binding, the value conversion). Prints
// figures and writes bench-results/preview.json; asserts nothing. The aim: the first page of a
// 10M-row table in under 500 ms. Options: --rows N (default 10,000,000), --keep (reuse the file).
//
//   1. build a wide table of N rows inside DuckDB (range(), no data crosses into Node)
//   2. reopen the file cold, then time: first page unsorted, the count, first page sorted by a
//      number and by text (with the tie-break columns the panel adds), the last page, a page of
//      5,000 rows, the histogram and top-values charts, and a CSV export of 1,000,000 rows
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

// The preview module as the extension bundles it (DuckDB stays external, loaded on first use).
const bundle = join(tmpdir(), 'medallion-bench-preview.cjs');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/warehouse/preview.ts'],
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

// Cold: a new instance on the file, as the extension opens it on first use.
let started = now();
const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
figures.openMs = now() - started;
const backend = preview.createDuckDbPreviewBackend(preview.exclusiveConnection(connection));
const source = { kind: 'table', schema: 'gold', name: 'fct_order_items', tableType: 'table' };
const viewSource = { kind: 'table', schema: 'gold', name: 'fct_order_items', tableType: 'view' };
const signal = new globalThis.AbortController().signal;

async function time(label, sql, repeat = 5) {
  const times = [];
  let result;
  for (let i = 0; i < repeat; i++) {
    const t = now();
    result = await backend.run(sql, signal);
    times.push(now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const entry = { firstMs: times[0], medianMs: sorted[Math.floor(sorted.length / 2)], rows: result.rows.length };
  figures[label] = entry;
  console.log(`${label.padEnd(34)} first ${ms(entry.firstMs).padStart(8)}   median ${ms(entry.medianMs).padStart(8)}   ${entry.rows} rows`);
  return result;
}

console.log(`opened the file in ${ms(figures.openMs)}\n`);
const first = await time('first page (200), unsorted', preview.pageSql({ source, offset: 0, limit: 200 }, 'duckdb'));
await time('count', preview.countSql(source, 'duckdb'));
const sortedBy = (column, direction) => ({
  source,
  offset: 0,
  limit: 200,
  sort: { column, direction },
  tieBreak: preview.tieBreakColumns(first.columns, column, 'duckdb'),
});
await time('first page, sorted by unit_price', preview.pageSql(sortedBy('unit_price', 'desc'), 'duckdb'));
await time('first page, sorted by product_name', preview.pageSql(sortedBy('product_name', 'asc'), 'duckdb'));
await time('next page, sorted by unit_price', preview.pageSql({ ...sortedBy('unit_price', 'desc'), offset: 200 }, 'duckdb'));
await time('middle page (5M), sorted by price', preview.pageSql({ ...sortedBy('unit_price', 'desc'), offset: Math.floor(rowCount / 2) }, 'duckdb'), 3);
// The same without rowid, as for a view (ties broken by up to 16 columns).
await time('first page, sorted, as a view', preview.pageSql({ ...sortedBy('unit_price', 'desc'), source: viewSource }, 'duckdb'));
await time('middle page (5M), sorted, as a view', preview.pageSql({ ...sortedBy('unit_price', 'desc'), source: viewSource, offset: Math.floor(rowCount / 2) }, 'duckdb'), 3);
await time('last page, unsorted', preview.pageSql({ source, offset: Math.max(0, rowCount - 200), limit: 200 }, 'duckdb'));
await time('page of 5,000 rows, unsorted', preview.pageSql({ source, offset: 0, limit: 5000 }, 'duckdb'));
const column = (name) => first.columns.find((candidate) => candidate.name === name);
await time('histogram of unit_price', preview.chartSql(source, column('unit_price'), 'duckdb').sql, 3);
await time('top values of product_name', preview.chartSql(source, column('product_name'), 'duckdb').sql, 3);

const csv = join(dir, 'export.csv');
started = now();
const exported = await backend.exportCsv(`select * from "gold"."fct_order_items" limit 1000000`, csv, signal);
figures.exportMillionMs = now() - started;
console.log(`${'export CSV, 1,000,000 rows'.padEnd(34)} ${ms(figures.exportMillionMs).padStart(14)}   ${exported} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB`);
rmSync(csv, { force: true });

connection.closeSync();
instance.closeSync();
if (!keep) rmSync(dir, { recursive: true, force: true });
rmSync(bundle, { force: true });

mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'preview.json'), JSON.stringify(figures, null, 2) + '\n');
const target = figures['first page (200), unsorted'].firstMs;
console.log(`\ntime to first page: ${ms(target)} cold (aim: under 500 ms); figures in bench-results/preview.json`);
