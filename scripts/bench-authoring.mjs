#!/usr/bin/env node
// `node scripts/bench-authoring.mjs`: how fast the authoring core (issue 8) answers on a generated
// dbt project of N models (default 1,000; test/support/syntheticProject.ts): the project index,
// go to definition, hover, completion, the lineage graph's layout, column lineage. Each figure is
// printed beside an anchor measured in the same run: JSON.parse of the same manifest, `dbt parse`
// of the same project, DuckDB's json_serialize_sql of the same SQL. Times nothing against a
// threshold. Aims (issue 8): hover and definition under 50 ms, completion under 100 ms, lineage of
// 1,000 nodes drawn under 1 s, the index well under 50 ms once the manifest is parsed.
// Then the same requests through a real extension host (code-server) with the generated project
// as the workspace: definition, hover and completion as VS Code's provider commands, beside the
// host's own round trip for the same command on a file we do not serve.
// Options: --models N, --skip-dbt (no `dbt parse`: the generated manifest is indexed instead),
// --skip-host (no extension host).
// Writes bench-results/authoring.json.
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureCodeServer, runExtensionTests } from './lib/code-server.mjs';
import { bundleSuite } from './lib/host-suite.mjs';
import { build, root, venvBin } from './lib/setup.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
const modelCount = Number(String(option('models', '1000')).replace(/_/g, ''));
const skipDbt = args.includes('--skip-dbt');
const skipHost = args.includes('--skip-host');

// The authoring core as the extension would bundle it (DuckDB external), and the generator.
const work = mkdtempSync(join(tmpdir(), 'medallion-bench-authoring-'));
// Inside the repository (out/ is ignored), so that the bundle finds node_modules.
mkdirSync(join(root, 'out'), { recursive: true });
const bundle = join(root, 'out', 'bench-authoring.cjs');
const entry = join(work, 'entry.ts');
const modules = ['projectIndex', 'navigation', 'completion', 'lineageGraph', 'columnLineage', 'sqlParser', 'ctes'];
writeFileSync(
  entry,
  [...modules.map((name) => `export * from ${JSON.stringify(join(root, 'src/authoring', name))};`), `export * from ${JSON.stringify(join(root, 'src/dbt/manifest'))};`, `export * from ${JSON.stringify(join(root, 'src/dbt/command'))};`, `export * from ${JSON.stringify(join(root, 'test/support/syntheticProject'))};`].join('\n'),
);
await esbuild.build({ absWorkingDir: root, entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, external: ['@duckdb/node-api'], logLevel: 'warning' });
const core = require(bundle);

const now = () => performance.now();
const ms = (value) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const figures = { models: modelCount };
const line = (label, ours, anchor) => console.log(`${label.padEnd(52)} ${ours.padEnd(30)} ${anchor ?? ''}`);
/** Times fn over the inputs: first call (cold, in this process), median and 95th percentile. */
function measure(inputs, fn) {
  const times = [];
  let result;
  for (const input of inputs) {
    const started = now();
    result = fn(input);
    times.push(now() - started);
  }
  return { firstMs: times[0], medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs: times.length, result };
}
const summary = (m) => `${ms(m.medianMs)} (p95 ${ms(m.p95Ms)}, first ${ms(m.firstMs)})`;

console.log(`Authoring benchmarks on a generated project of ${modelCount.toLocaleString('en-US')} models (${process.platform}, Node ${process.version})\n`);
line('', 'ours', 'anchor (same run)');

// 1. The project, on disk, and its manifest: dbt's own when dbt is there.
let started = now();
const project = core.syntheticProject({ models: modelCount });
core.writeSyntheticProject(join(work, 'project'), project);
figures.generateMs = now() - started;
let manifestText = JSON.stringify(project.manifest);
const dbt = venvBin('dbt');
if (!skipDbt && existsSync(dbt)) {
  started = now();
  const projectDir = join(work, 'project');
  const argv = core.dbtProjectArgs(core.PARSE_WORDS, { projectDir, profilesDir: projectDir, targetPath: join(work, 'target'), logPath: join(work, 'logs') });
  const parse = spawnSync(dbt, argv, { cwd: projectDir, env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' }, encoding: 'utf8' });
  if (parse.status !== 0) throw new Error(`dbt parse failed:\n${parse.stdout}\n${parse.stderr}`);
  figures.dbtParseMs = now() - started;
  manifestText = readFileSync(join(work, 'target', 'manifest.json'), 'utf8');
  figures.manifest = 'dbt parse';
} else {
  figures.manifest = 'generated';
}
figures.manifestMB = manifestText.length / 1e6;

// 2. The index: JSON.parse (the anchor), the manifest parser, the index.
const jsonParse = measure(Array.from({ length: 10 }), () => JSON.parse(manifestText));
// One parsed JSON for every run (neither step changes it): ten live copies of a large manifest
// would time the garbage collector, not the index.
const raw = JSON.parse(manifestText);
const parsed = measure(Array.from({ length: 10 }), () => core.parseManifest(raw));
const indexed = measure(Array.from({ length: 10 }), () => core.buildProjectIndex({ manifest: raw, parsed: parsed.result }));
figures.jsonParse = jsonParse;
figures.parseManifest = parsed;
figures.buildIndex = { ...indexed, result: undefined };
line(`manifest (${figures.manifest}, ${figures.manifestMB.toFixed(1)} MB)`, '', figures.dbtParseMs ? `dbt parse ${ms(figures.dbtParseMs)}` : '');
line('JSON.parse of manifest.json', '', summary(jsonParse));
line('parseManifest (src/dbt/manifest.ts)', summary(parsed), 'JSON.parse above');
line('project index, manifest parsed', summary(indexed), 'JSON.parse above');

// Compiled SQL: dbt parse writes none, the generator's agrees with dbt compile (integration test).
const index = core.buildProjectIndex({ manifest: project.manifest });
const models = project.models;
const files = new Map(project.files.map((file) => [file.path, file.text]));
const access = { read: (path) => files.get(path) ?? readFileSync(join(work, 'project', path), 'utf8') };
const positionOf = (text, offset) => {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - before.lastIndexOf('\n') - 1 };
};

// 3. Definition and hover at every ref and source of 300 models (the editor scans the open file per request).
const targets = [];
for (const model of models.slice(-300)) {
  for (const match of model.raw.matchAll(/(ref|source)\('([^']+)'/g)) targets.push({ text: model.raw, position: positionOf(model.raw, match.index + match[1].length + 3) });
}
let resolved = 0;
const definition = measure(targets, ({ text, position }) => {
  const locations = core.definitionAt(index, text, position, { files: access });
  resolved += locations.length > 0 ? 1 : 0;
  return locations;
});
if (resolved !== targets.length) throw new Error(`only ${resolved} of ${targets.length} definitions resolved`);
const hover = measure(targets, ({ text, position }) => core.hoverAt(index, text, position, { files: access, stats: () => ({ rows: 1000, freshAt: new Date().toISOString() }) }));
figures.definition = { ...definition, result: undefined };
figures.hover = { ...hover, result: undefined };
line(`go to definition (${targets.length} refs and sources)`, summary(definition), 'aim: under 50 ms');
line('hover', summary(hover), 'aim: under 50 ms');

// 4. Completion: every model name in ref(', and the columns after an alias.
const refCompletion = measure(models.slice(-200), (model) => {
  const text = `${model.raw}\n-- {{ ref('`;
  return core.completionAt(index, text, positionOf(text, text.length));
});
const columnCompletion = measure(models.slice(-200), (model) => {
  const text = model.raw.replace(/select \* from final\s*$/, 'select base. from base').replace(/select \* from joined\s*$/, 'select a. from a');
  const offset = text.lastIndexOf('. from ') + 1;
  return core.completionAt(index, text, positionOf(text, offset));
});
figures.completionRef = { ...refCompletion, items: refCompletion.result?.items.length, result: undefined };
figures.completionColumns = { ...columnCompletion, items: columnCompletion.result?.items.length, result: undefined };
line(`completion in ref(' (${figures.completionRef.items} items)`, summary(refCompletion), 'aim: under 100 ms');
line(`completion after alias. (${figures.completionColumns.items} columns)`, summary(columnCompletion), 'aim: under 100 ms');

// 5. The lineage graph of every node: build, layout (crossings before and after the sweeps).
const graphRuns = measure(Array.from({ length: 5 }), () => {
  const graph = core.buildLineageGraph(index);
  return { graph, layout: core.layoutGraph(graph) };
});
const { graph, layout } = graphRuns.result;
const unswept = core.layoutGraph(graph, { passes: 0 });
figures.lineageGraph = { ...graphRuns, result: undefined, nodes: graph.nodes.length, edges: graph.edges.length, crossings: layout.crossings, crossingsUnswept: unswept.crossings };
const focus = measure(models.slice(-200), (model) => core.layoutGraph(core.focusSubgraph(graph, model.uniqueId, 2, 2)));
figures.focusLayout = { ...focus, result: undefined };
line(`lineage graph + layout (${graph.nodes.length} nodes, ${graph.edges.length} edges)`, summary(graphRuns), `aim: drawn under 1 s; crossings ${unswept.crossings} -> ${layout.crossings}`);
line('focus 2 up / 2 down + layout', summary(focus), '');

// 6. Column lineage of a model: DuckDB's parser (the anchor), then our walk.
const parser = await core.SqlParser.open();
const sample = models.slice(-100);
// Alternated model by model, so that neither gains from running second.
const parseTimes = [];
const lineageTimes = [];
const resolver = core.indexResolver(index);
for (const model of sample) {
  let at = now();
  await parser.parse(model.compiled);
  parseTimes.push(now() - at);
  at = now();
  await core.columnLineage(model.compiled, parser, resolver);
  lineageTimes.push(now() - at);
}
const stats = (times) => ({ firstMs: times[0], medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs: times.length });
const serialize = stats(parseTimes);
const lineage = stats(lineageTimes);
started = now();
const all = await core.projectLineage(index, parser);
figures.projectLineageMs = now() - started;
figures.serializeSql = serialize;
figures.columnLineage = lineage;
const unknown = [...all.values()].reduce((sum, entry) => sum + (entry.status === 'parsed' ? entry.columns.filter((column) => column.unknown).length : 0), 0);
line('column lineage of a model (DuckDB parse + walk)', summary(lineage), `json_serialize_sql alone ${summary(serialize)}`);
line(`column lineage of all ${all.size} models, parents first`, ms(figures.projectLineageMs), `${unknown} columns unknown`);
await parser.close();

// 7. The same requests through a real extension host, the generated project as its workspace.
if (!skipHost) {
  ensureCodeServer({ quiet: true });
  build('--production');
  mkdirSync(join(work, 'project', 'target'), { recursive: true });
  writeFileSync(join(work, 'project', 'target', 'manifest.json'), manifestText);
  const outdir = join(root, 'out', 'bench', 'authoring');
  await bundleSuite({ entryPoints: { index: join(root, 'test', 'bench', 'authoring.ts') }, outbase: join(root, 'test', 'bench'), outdir });
  const out = join(work, 'host.json');
  try {
    const code = await runExtensionTests({ extensionDevelopmentPath: root, extensionTestsPath: join(outdir, 'index.js'), folder: join(work, 'project'), env: { MEDALLION_BENCH_OUT: out }, timeoutMs: 600_000, label: 'bench' });
    if (code !== 0 || !existsSync(out)) throw new Error('the extension host benchmark failed');
  } finally {
    build();
  }
  const host = JSON.parse(readFileSync(out, 'utf8'));
  figures.host = host;
  console.log(`\nThrough a real extension host (code-server), ${host.targets} refs and sources of the last 100 models:`);
  line('first request (loads dist/authoring.js, indexes)', ms(host.firstRequestMs), '');
  line('go to definition (executeDefinitionProvider)', summary(host.definition), 'aim: under 50 ms');
  line('hover (executeHoverProvider)', summary(host.hover), `anchor, the host's round trip: ${summary(host.anchorHover)}`);
  line(`completion in ref(' (${host.completionRefItems} items)`, summary(host.completionRef), `aim: under 100 ms; anchor, ${host.completionRefItems} bare items from a trivial provider: ${summary(host.anchorCompletion)}`);
  line(`Show lineage to drawn (${host.lineageNodes} nodes in focus)`, ms(host.lineageShownMs), `webview drawing: ${ms(host.lineageRenderMs)}`);
}

rmSync(work, { recursive: true, force: true });
rmSync(bundle, { force: true });
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'authoring.json'), JSON.stringify({ date: new Date().toISOString(), figures }, null, 2) + '\n');
console.log('\nFigures written to bench-results/authoring.json');
