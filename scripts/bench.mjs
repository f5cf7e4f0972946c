#!/usr/bin/env node
// `npm run bench`: measures and prints figures (never asserts on time). Everything runs for real:
// the CLI as a process, a DuckDB file on disk, dbt from .venv. Results also go to
// bench-results/bench.json. Options: --purchases N (default 1,000,000), --skip-dbt, --skip-state.
// Figures of a shared machine vary: each is printed beside an anchor measured in the same run.
//
//   1. simulate and load N purchases into an empty bronze: purchases per second and per CPU-second,
//      peak RSS; generation alone; dbt Labs' jafgen (Python) beside it when it can be installed
//      (into .cache/jafgen-venv, for the bench only)
//   2. upload one 1,000-purchase batch into an empty bronze vs into the big one (median of 5)
//   3. dbt build after a 1,000-purchase batch, incremental vs --full-refresh of the same bronze,
//      at demo size (npm run demo's bronze, about 84k rows; median of 3) and on the big bronze
//   S. saving the simulation state after 30 simulated days of the continuous simulation and after
//      1,000,000 purchases, beside saving it whole as JSON (test/bench/state.ts)
//   4. the extension in a real VS Code host: activation, entry bundle size, expanding a layer of
//      1,000 tables, first page of a 10M-row preview (scripts/bench-extension.mjs)
//   5. the preview backend alone on a 10M-row table: pages, sorts, counts, charts, export
//      (scripts/bench-preview.mjs)
//   6. authoring on a generated 1,000-model project: index, definition, hover, completion, lineage
//      layout, column lineage, and the same requests through a real extension host
//      (scripts/bench-authoring.mjs)
//   7. the lineage webview drawing 1,000 models in Chromium, zoom and pan frames
//      (scripts/bench-lineage.mjs)
// --skip-extension leaves out 4 and 5; --skip-authoring leaves out 6 and 7.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureCacheVenv } from './lib/fakesnow.mjs';
import { ensureAll, root, venvBin } from './lib/setup.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
const purchases = Number(String(option('purchases', '1000000')).replace(/_/g, ''));
const skipDbt = args.includes('--skip-dbt');
const skipExtension = args.includes('--skip-extension');
const skipState = args.includes('--skip-state');
const skipAuthoring = args.includes('--skip-authoring');

ensureAll();
const work = mkdtempSync(join(tmpdir(), 'medallion-bench-'));
// dbt's argv as the extension and the CLI build it (src/dbt/command.ts), bundled for this script.
const { dbtProjectArgs } = await (async () => {
  const esbuild = await import('esbuild');
  const outfile = join(root, 'out', 'bench-dbt-command.cjs');
  await esbuild.build({ absWorkingDir: root, entryPoints: [join(root, 'src', 'dbt', 'command.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning' });
  return createRequire(import.meta.url)(outfile);
})();
const bin = join(root, 'bin', 'medallion.js');
const dbt = venvBin('dbt');
const sample = join(root, 'dbt-sample');
const figures = {};

function medallion(warehouse, ...rest) {
  const result = spawnSync(process.execPath, [bin, ...rest, '--warehouse', warehouse], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`medallion ${rest.join(' ')} failed:\n${result.stdout}`);
  return result.stdout;
}

function seconds(fn) {
  const started = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function uploadSeconds(warehouse) {
  medallion(warehouse, 'simulate', '--purchases', '1000');
  const out = medallion(warehouse, 'upload');
  const match = /in ([\d.]+) s\./.exec(out);
  if (!match) throw new Error(`no upload time in: ${out}`);
  return Number(match[1]);
}

/**
 * One `dbt build` (artefacts kept per warehouse, so that dbt parses partially as it would in a
 * project): wall seconds, dbt's own start-up (wall minus the run's elapsed time), and the
 * seconds its models and its tests took (summed over dbt's threads).
 */
function dbtBuild(warehouse, ...extra) {
  const artefacts = `${warehouse}.dbt`;
  const started = process.hrtime.bigint();
  const result = spawnSync(
    dbt,
    dbtProjectArgs(['build', '--quiet', ...extra], { projectDir: sample, profilesDir: sample, targetPath: join(artefacts, 'target'), logPath: join(artefacts, 'logs') }),
    { cwd: sample, env: { ...process.env, MEDALLION_DUCKDB_PATH: warehouse, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' }, encoding: 'utf8' },
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`dbt build ${extra.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  const runResults = JSON.parse(readFileSync(join(artefacts, 'target', 'run_results.json'), 'utf8'));
  const sum = (prefix) => runResults.results.filter((r) => r.unique_id.startsWith(prefix)).reduce((total, r) => total + r.execution_time, 0);
  return { seconds: wall, startup: wall - runResults.elapsed_time, models: sum('model.') + sum('snapshot.') + sum('seed.'), tests: sum('test.') + sum('unit_test.') };
}

/** A --full-refresh of a copy of `warehouse` (the same bronze, silver and gold rebuilt from scratch). */
function fullRefresh(warehouse, name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'greenery.duckdb');
  copyFileSync(warehouse, copy);
  const timing = dbtBuild(copy, '--full-refresh');
  rmSync(dir, { recursive: true, force: true });
  return timing;
}

const describeBuild = (t) => `${fmt(t.seconds, 1)} s (dbt start-up ${fmt(t.startup, 1)} s; models ${fmt(t.models, 1)} s, tests ${fmt(t.tests, 1)} s summed over threads)`;

console.log(`Benchmarks in ${work} (${process.platform}, ${process.arch}, Node ${process.version})\n`);

// 1. Simulate and load.
const big = join(work, 'big', 'greenery.duckdb');
mkdirSync(join(work, 'big'));
medallion(big, 'init', '--history', '0', '--start', '2020-01-01', '--seed', 'bench');
const run = seconds(() => medallion(big, 'simulate', '--purchases', String(purchases), '--upload'));
const rate = (out) => ({
  perSecond: Number(/\(([\d,]+)\/s,/.exec(out)?.[1]?.replace(/,/g, '')),
  perCpuSecond: Number(/([\d,]+) per CPU-second/.exec(out)?.[1]?.replace(/,/g, '')),
  peak: Number(/peak memory (\d+) MB/.exec(out)?.[1]),
});
const loaded = rate(run.value);
const status = JSON.parse(medallion(big, 'status', '--json'));
const bronzeRows = Object.values(status.bronze.rows).reduce((sum, n) => sum + n, 0);
// Generation alone (the outbox only), a third of the purchases.
const genWarehouse = join(work, 'gen', 'greenery.duckdb');
mkdirSync(join(work, 'gen'));
medallion(genWarehouse, 'init', '--history', '0', '--start', '2020-01-01', '--seed', 'bench-gen');
const generated = rate(medallion(genWarehouse, 'simulate', '--purchases', String(Math.round(purchases / 3)), '--fast-forward'));
rmSync(join(work, 'gen'), { recursive: true, force: true });
figures.simulateAndLoad = {
  purchases,
  seconds: run.seconds,
  purchasesPerSecond: purchases / run.seconds,
  purchasesPerCpuSecond: loaded.perCpuSecond,
  peakRssMegabytes: loaded.peak,
  bronzeRows,
  generationOnly: { purchasesPerSecond: generated.perSecond, purchasesPerCpuSecond: generated.perCpuSecond, peakRssMegabytes: generated.peak },
};
console.log(`1. Simulate and load ${fmt(purchases)} purchases into DuckDB bronze`);
console.log(`   ${fmt(run.seconds, 1)} s wall clock (process start to exit): ${fmt(purchases / run.seconds)} purchases/s, ${fmt(loaded.perCpuSecond)} per CPU-second, peak RSS ${loaded.peak} MB`);
console.log(`   generation alone (outbox only): ${fmt(generated.perSecond)} purchases/s, ${fmt(generated.perCpuSecond)} per CPU-second, peak RSS ${generated.peak} MB`);
const jafgen = jafgenRate();
if (jafgen) {
  figures.simulateAndLoad.jafgen = jafgen;
  console.log(`   anchor, dbt Labs' jafgen ${jafgen.version} (Python, generation only, same machine, same run): ${fmt(jafgen.ordersPerSecond)} orders/s, ${fmt(jafgen.ordersPerCpuSecond)} per CPU-second`);
}
console.log(`   bronze now holds ${fmt(bronzeRows)} rows\n`);

// 2. Upload cost against the size of bronze.
const emptyTimes = [];
for (let i = 0; i < 5; i++) {
  const fresh = join(work, `empty-${i}`, 'greenery.duckdb');
  mkdirSync(join(work, `empty-${i}`));
  medallion(fresh, 'init', '--history', '0', '--start', '2020-01-01', '--seed', `bench-${i}`);
  emptyTimes.push(uploadSeconds(fresh));
}
const bigTimes = [];
for (let i = 0; i < 5; i++) bigTimes.push(uploadSeconds(big));
figures.uploadRatio = { emptySeconds: median(emptyTimes), bigSeconds: median(bigTimes), bigBronzeRows: bronzeRows, ratio: median(bigTimes) / median(emptyTimes) };
console.log('2. Upload one 1,000-purchase batch (median of 5, from open warehouse to commit)');
console.log(`   into an empty bronze: ${fmt(median(emptyTimes) * 1000, 1)} ms; into bronze with ${fmt(bronzeRows)} rows: ${fmt(median(bigTimes) * 1000, 1)} ms`);
console.log(`   ratio ${fmt(figures.uploadRatio.ratio, 2)}\n`);

// 3. dbt build after a small batch: incremental vs --full-refresh of the same bronze.
if (!skipDbt) {
  // Demo size: npm run demo's bronze. A first incremental build takes up the demo's batch (its
  // watermark re-reads the last sync), then three rounds of a batch and a build, each compared
  // with a full refresh of a copy; medians.
  const demo = join(work, 'demo', 'greenery.duckdb');
  mkdirSync(join(work, 'demo'));
  medallion(demo, 'init', '--seed', 'bench-demo');
  medallion(demo, 'simulate', '--purchases', '1000', '--upload');
  dbtBuild(demo);
  medallion(demo, 'simulate', '--purchases', '1000', '--upload');
  dbtBuild(demo);
  const demoRounds = [];
  for (let round = 0; round < 3; round++) {
    medallion(demo, 'simulate', '--purchases', '1000', '--upload');
    demoRounds.push({ incremental: dbtBuild(demo), full: fullRefresh(demo, `demo-full-${round}`) });
  }
  const demoStatus = JSON.parse(medallion(demo, 'status', '--json'));
  const demoRows = Object.values(demoStatus.bronze.rows).reduce((sum, n) => sum + n, 0);
  const middle = (key) => [...demoRounds].sort((a, b) => a[key].seconds - b[key].seconds)[1][key];
  const [demoIncremental, demoFull] = [middle('incremental'), middle('full')];
  figures.dbtBuildDemo = { bronzeRows: demoRows, incremental: demoIncremental, fullRefresh: demoFull, speedup: demoFull.seconds / demoIncremental.seconds };
  console.log(`3. dbt build (all models, snapshots and tests) after a 1,000-purchase batch`);
  console.log(`   demo size, ${fmt(demoRows)} bronze rows (median of 3):`);
  console.log(`     incremental    ${describeBuild(demoIncremental)}`);
  console.log(`     --full-refresh ${describeBuild(demoFull)}`);
  console.log(`     incremental is ${fmt(figures.dbtBuildDemo.speedup, 1)}x faster`);

  // The big bronze (after section 2's batches): a first build, then two rounds of a batch and an
  // incremental build, then a full refresh of a copy of the same bronze.
  const first = dbtBuild(big);
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    medallion(big, 'simulate', '--purchases', '1000', '--upload');
    rounds.push(dbtBuild(big));
  }
  const full = fullRefresh(big, 'big-full');
  const slower = rounds.reduce((a, b) => (a.seconds >= b.seconds ? a : b));
  const finalStatus = JSON.parse(medallion(big, 'status', '--json'));
  const finalRows = Object.values(finalStatus.bronze.rows).reduce((sum, n) => sum + n, 0);
  figures.dbtBuild = { bronzeRows: finalRows, firstBuild: first, incremental: rounds, fullRefresh: full, speedup: full.seconds / slower.seconds };
  console.log(`   ${fmt(finalRows)} bronze rows:`);
  console.log(`     first build    ${describeBuild(first)}`);
  rounds.forEach((round, index) => console.log(`     incremental ${index + 1}  ${describeBuild(round)}`));
  console.log(`     --full-refresh ${describeBuild(full)}`);
  console.log(`     incremental is ${fmt(figures.dbtBuild.speedup, 1)}x faster (the slower of the two against the full refresh)\n`);
}

if (!skipExtension) {
  const host = spawnSync(process.execPath, [join(root, 'scripts', 'bench-extension.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = host.stdout.trim().split('\n').at(-1) ?? '';
  if (host.status !== 0 || !last.startsWith('{')) throw new Error(`the extension benchmark failed:\n${host.stdout.slice(-3000)}`);
  const ext = JSON.parse(last);
  figures.extension = ext;
  console.log('4. The extension in a real VS Code extension host (code-server 4.100.3)');
  console.log(`   entry bundle dist/extension.js: ${fmt(ext.entryBundleBytes / 1024)} KiB (production build)`);
  console.log(`   activation: ${fmt(ext.activationMs, 1)} ms in activate(), ${fmt(ext.loadAndActivateMs, 1)} ms including loading the bundle`);
  console.log(`   expanding a layer of ${fmt(ext.layerTables)} tables (catalog query, exact counts, tree items): ${fmt(ext.layerExpandFirstMs)} ms first, ${fmt(ext.layerExpandMedianMs)} ms median (anchor: the catalog query alone, ${fmt(ext.anchorCatalogOnlyMs)} ms); with a 10M-row table in it ${fmt(ext.layerWithBigTableMedianMs)} ms; exact counts of its ${fmt(ext.countedTables)} tables in the background ${fmt(ext.countRowsMs)} ms`);
  console.log(`   preview of a 10M-row table, click to page on screen: ${fmt(ext.previewFirstPageColdMs)} ms first; later clicks (median) ${fmt(ext.previewSameTableMedianMs)} ms`);
  console.log(`     the same table, ${fmt(ext.previewAnotherTableMedianMs)} ms another table (the panel reused), ${fmt(ext.previewNewPanelMedianMs)} ms into a new panel`);
  console.log(`     (the workbench's new webview: ${fmt(ext.previewNewPanelReadyMedianMs)} ms until its script runs, then ${fmt(ext.previewNewPanelAfterReadyMedianMs)} ms)`);
  console.log(`   sorted first page ${fmt(ext.previewSortedFirstPageMedianMs)} ms (anchor: the SQL before, ${fmt(ext.anchorSortedFirstPageMs)} ms), next ${fmt(ext.previewSortedNextPageMedianMs)} ms (${fmt(ext.anchorSortedNextPageMs)} ms),`);
  console.log(`     row 5,000,000 ${fmt(ext.previewDeepPageMedianMs)} ms (${fmt(ext.anchorDeepPageMs)} ms; ${fmt(ext.previewDeepPageFirstMs)} ms the first time, building the sort index),`);
  console.log(`     histogram ${fmt(ext.previewHistogramMedianMs)} ms (${fmt(ext.anchorHistogramMs)} ms)\n`);
  console.log('5. The preview backend on a 10M-row DuckDB table');
  const preview = spawnSync(process.execPath, [join(root, 'scripts', 'bench-preview.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (preview.status !== 0) throw new Error(`the preview benchmark failed:\n${preview.stdout}`);
  console.log(preview.stdout.replace(/^/gm, '   '));
}

if (!skipState) {
  const state = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test', 'bench', 'state.ts')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = state.stdout.trim().split('\n').at(-1) ?? '';
  if (state.status !== 0 || !last.startsWith('{')) throw new Error(`the state benchmark failed:\n${state.stdout.slice(-3000)}`);
  figures.state = JSON.parse(last);
  console.log('S. Saving the simulation state after each batch (journal record, fsynced; snapshots included), beside saving it whole as JSON');
  for (const [label, key] of [['30 simulated days of the continuous simulation (100 purchases every 5 min)', 'continuous'], ['1,000,000 purchases (50 batches of 20,000)', 'million']]) {
    const f = figures.state[key];
    console.log(`   after ${label}: ${fmt(f.openOrders)} open orders, state ${fmt(f.stateBytes / 1048576, 1)} MB on disk`);
    console.log(`     a save: median ${fmt(f.saveMs.median, 1)} ms, mean ${fmt(f.saveMs.mean, 1)} ms, p99 ${fmt(f.saveMs.p99, 1)} ms, max ${fmt(f.saveMs.max)} ms;` +
      ` anchor, the whole state as JSON (${fmt(f.jsonBytes / 1048576, 1)} MB): ${fmt(f.jsonSaveMs)} ms a save`);
  }
  console.log('');
}

if (!skipAuthoring) {
  for (const [number, script, title, results] of [
    ['6', 'bench-authoring.mjs', 'Authoring on a generated 1,000-model project', 'authoring'],
    ['7', 'bench-lineage.mjs', 'The lineage webview drawing a generated 1,000-model project (headless Chromium)', 'lineage'],
  ]) {
    console.log(`${number}. ${title}`);
    const extra = skipDbt && script === 'bench-authoring.mjs' ? ['--skip-dbt'] : [];
    const run = spawnSync(process.execPath, [join(root, 'scripts', script), ...extra], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`${script} failed:\n${run.stdout.slice(-3000)}`);
    // The host's own log lines stay out of the summary.
    console.log(run.stdout.split('\n').filter((text) => !/^(build: |\[bench\])/.test(text)).join('\n').replace(/^/gm, '   '));
    figures[results] = JSON.parse(readFileSync(join(root, 'bench-results', `${results}.json`), 'utf8')).figures;
  }
}

mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'bench.json'), JSON.stringify({ date: new Date().toISOString(), figures }, null, 2) + '\n');
rmSync(work, { recursive: true, force: true });
console.log('Figures written to bench-results/bench.json');

/** jafgen's rate on this machine (1 simulated year), or undefined when it cannot be installed (offline). */
function jafgenRate() {
  let python;
  try {
    python = ensureCacheVenv({ name: 'jafgen-venv', requirements: join(root, 'test', 'bench', 'jafgen-requirements.txt'), label: 'bench', what: "dbt Labs' jafgen" });
  } catch (error) {
    console.log(`   (jafgen could not be installed, no anchor: ${String(error.message).split('\n')[0]})`);
    return undefined;
  }
  const dir = join(work, 'jafgen');
  mkdirSync(dir);
  const script = [
    'import importlib.metadata, resource, sys, time',
    'from jafgen.cli import app',
    "sys.argv = ['jafgen', '1']",
    'started = time.time()',
    'try:',
    '    app()',
    'except SystemExit:',
    '    pass',
    'usage = resource.getrusage(resource.RUSAGE_SELF)',
    "print('JAFGEN', time.time() - started, usage.ru_utime + usage.ru_stime, importlib.metadata.version('jafgen'))",
  ].join('\n');
  const result = spawnSync(python, ['-c', script], { cwd: dir, encoding: 'utf8' });
  const match = /JAFGEN ([\d.]+) ([\d.]+) (\S+)/.exec(result.stdout);
  if (result.status !== 0 || !match) {
    console.log(`   (jafgen failed, no anchor: ${result.stderr.trim().split('\n').at(-1)})`);
    return undefined;
  }
  const orders = readFileSync(join(dir, 'jaffle-data', 'raw_orders.csv'), 'utf8').trimEnd().split('\n').length - 1;
  return { version: match[3], orders, seconds: Number(match[1]), ordersPerSecond: orders / Number(match[1]), ordersPerCpuSecond: orders / Number(match[2]) };
}
