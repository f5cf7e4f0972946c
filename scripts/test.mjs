#!/usr/bin/env node
// `npm test`: installs what is missing, then type-checks, lints and runs every suite:
// unit tests (pure core), integration tests (real DuckDB files, real dbt on dbt-sample),
// Snowflake tests against a local Snowflake-protocol peer (fakesnow, in its own .cache venv),
// browser tests of the webviews, extension tests in a real VS Code extension host (code-server:
// dbt-sample from this folder and from the packaged .vsix, and the jaffle-shop fixture).
//
// The suites are split into independent jobs (one per integration and Snowflake test file, one per
// extension host, ...) run by a pool, longest first: most of a job's time is spent waiting on dbt,
// a browser or a server, so the machine's cores are kept busy by more jobs than it has. Each job
// writes its own log under out/test-logs; a job's log is printed when it fails.
//
//   npm test                       everything
//   npm test -- unit integration   only the named stages (typecheck, lint, unit, browser, integration, snowflake, extension)
//   npm test -- --jobs 1           one job at a time (--serial is the same); default: cores + 1
//   npm test -- --list             the jobs, longest first, and exit
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer } from './lib/code-server.mjs';
import { ensureFakesnow } from './lib/fakesnow.mjs';
import { build, ensureNodeModules, ensurePython, root, run, venvBin } from './lib/setup.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const node = (script, ...args) => [process.execPath, [join(root, 'scripts', script), ...args]];
const mocha = (...args) => [bin('mocha'), ['--node-option', 'import=tsx', '--timeout', '600000', '--reporter', 'spec', ...args]];
const testFiles = (folder) =>
  readdirSync(join(root, 'test', folder))
    .filter((file) => file.endsWith('.test.ts'))
    .sort()
    .map((file) => `test/${folder}/${file}`);

/** The jobs of each stage: [name, [command, args], options]. */
const stages = {
  typecheck: () => [['typecheck', [bin('tsc'), ['--noEmit', '-p', '.']]]],
  lint: () => [
    ['eslint', [bin('eslint'), ['.']]],
    // dbt-sample's SQL in the project's style (dbt-sample/.sqlfluff), through the dbt templater;
    // an in-memory DuckDB, so that compiling touches no warehouse file.
    ['sqlfluff', [venvBin('sqlfluff'), ['lint', 'models', 'tests/singular']], { cwd: join(root, 'dbt-sample'), env: { MEDALLION_DUCKDB_PATH: ':memory:' } }],
  ],
  unit: () => [['unit', [bin('mocha'), ['--config', '.mocharc.unit.json']]]],
  browser: () => [['browser', node('test-browser.mjs')]],
  integration: () => testFiles('integration').map((file) => [file, mocha(file)]),
  snowflake: () => testFiles('snowflake').map((file) => [file, mocha(file)]),
  // The suite is bundled and the .vsix packaged once (below), then the three hosts run side by side.
  extension: () => ['development', 'vsix', 'jaffle'].map((host) => [`extension ${host}`, node('test-extension.mjs', host, '--prepared')]),
};

const argv = process.argv.slice(2);
const jobsOption = argv.indexOf('--jobs');
const poolSize = argv.includes('--serial') ? 1 : jobsOption >= 0 ? Math.max(1, Number(argv[jobsOption + 1]) || 1) : availableParallelism() + 1;
const listOnly = argv.includes('--list');
const wanted = argv.filter((arg, index) => !arg.startsWith('-') && argv[index - 1] !== '--jobs');
for (const name of wanted) {
  if (!(name in stages)) {
    console.error(`test: unknown stage ${name} (stages: ${Object.keys(stages).join(', ')})`);
    process.exit(2);
  }
}
const selected = Object.keys(stages).filter((name) => wanted.length === 0 || wanted.includes(name));

// Each job's duration on this machine the last time it passed (.cache/test-times.json), else the
// seconds it took in this pool on a 2-core machine: the pool starts the longest first.
const timesFile = join(root, '.cache', 'test-times.json');
const ESTIMATES = {
  'test/integration/dbt.test.ts': 369,
  'test/integration/reliability.test.ts': 252,
  'test/integration/partialBuilds.test.ts': 240,
  'extension vsix': 210,
  'extension jaffle': 207,
  'test/snowflake/dbt.test.ts': 204,
  'extension development': 192,
  unit: 138,
  browser: 126,
  'test/integration/loader.test.ts': 68,
  'test/snowflake/warehouse.test.ts': 66,
  'test/integration/authoring-dbt.test.ts': 56,
  'test/integration/lockFights.test.ts': 50,
  eslint: 42,
  sqlfluff: 38,
  'test/integration/dbtTasks.test.ts': 32,
};
const lastTimes = existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : {};
const jobs = selected
  .flatMap((stage) => stages[stage]().map(([name, [command, args], options = {}]) => ({ stage, name, command, args, options })))
  .map((job, index) => ({ ...job, index, expected: lastTimes[job.name] ?? ESTIMATES[job.name] ?? 0 }))
  .sort((a, b) => b.expected - a.expected || a.index - b.index);

if (listOnly) {
  for (const job of jobs) console.log(`${job.name.padEnd(44)} ${job.name in lastTimes ? `${job.expected.toFixed(1)} s last time` : job.expected ? `about ${job.expected} s` : ''}`);
  process.exit(0);
}

ensureNodeModules();
ensurePython();
build();
if (selected.includes('extension')) {
  ensureCodeServer();
  run(process.execPath, [join(root, 'scripts', 'test-extension.mjs'), '--prepare']);
}
if (selected.includes('extension') || selected.includes('snowflake')) ensureFakesnow();

const logDir = join(root, 'out', 'test-logs');
mkdirSync(logDir, { recursive: true });
const logFile = (job) => join(logDir, `${job.name.replace(/[^a-zA-Z0-9.-]+/g, '_')}.log`);

/**
 * Runs one job, its output to its log file and kept for the summary (or to the terminal when the
 * pool holds one job); resolves to its exit code, seconds and output.
 */
function start(job) {
  const started = Date.now();
  const stream = poolSize === 1 ? undefined : createWriteStream(logFile(job));
  const output = [];
  const child = spawn(job.command, job.args, {
    cwd: job.options.cwd ?? root,
    env: { ...process.env, ...job.options.env },
    stdio: ['ignore', stream ? 'pipe' : 'inherit', stream ? 'pipe' : 'inherit'],
  });
  if (stream) {
    for (const source of [child.stdout, child.stderr]) {
      source.on('data', (chunk) => {
        output.push(chunk);
        stream.write(chunk);
      });
    }
  }
  return new Promise((resolve) => {
    const finish = (code, detail) => {
      const seconds = (Date.now() - started) / 1000;
      if (detail) output.push(Buffer.from(`\n${detail}\n`));
      const text = Buffer.concat(output).toString('utf8');
      if (stream) stream.end(detail ? `\n${detail}\n` : '', () => resolve({ code, seconds, text }));
      else resolve({ code, seconds, text });
    };
    child.on('error', (error) => finish(1, `${job.command} could not start: ${error.message}`));
    child.on('close', (code, signal) => finish(code ?? 1, code === null ? `ended by ${signal}` : undefined));
  });
}

/** What a passing job's output says last (mocha's "N passing"), for the summary. */
const lastWords = (text) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\d+ (passing|pending)|passed in|^All Finished/.test(line))
    .join(', ');

const started = Date.now();
console.log(`\n=== ${jobs.length} jobs (${selected.join(', ')}), ${poolSize} at a time${poolSize > 1 ? `; logs in ${logDir}` : ''}`);
const results = [];
const queue = [...jobs];
async function worker() {
  for (let job = queue.shift(); job; job = queue.shift()) {
    if (poolSize === 1) console.log(`\n=== ${job.name}`);
    const result = await start(job);
    results.push({ job, ...result });
    const elapsed = ((Date.now() - started) / 1000).toFixed(0);
    if (result.code === 0) {
      console.log(`✔ ${job.name} passed in ${result.seconds.toFixed(1)} s [${elapsed} s] ${lastWords(result.text)}`);
    } else {
      console.log(`✖ ${job.name} FAILED (exit code ${result.code}) in ${result.seconds.toFixed(1)} s [${elapsed} s]`);
      if (poolSize > 1) console.log(`----- ${logFile(job)}\n${result.text}\n----- end of ${job.name}`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(poolSize, jobs.length) }, worker));

const times = { ...lastTimes };
for (const { job, code, seconds } of results) if (code === 0) times[job.name] = Math.round(seconds * 10) / 10;
mkdirSync(join(root, '.cache'), { recursive: true });
writeFileSync(timesFile, JSON.stringify(times, null, 2) + '\n');

const total = ((Date.now() - started) / 1000).toFixed(1);
const busy = results.reduce((sum, result) => sum + result.seconds, 0);
console.log(`\nPer stage (job seconds summed): ${selected.map((stage) => `${stage} ${results.filter((r) => r.job.stage === stage).reduce((sum, r) => sum + r.seconds, 0).toFixed(0)} s`).join(', ')}`);
const failed = results.filter((result) => result.code !== 0);
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${jobs.length} jobs failed after ${total} s: ${failed.map((result) => result.job.name).join(', ')}`);
  process.exit(1);
}
console.log(`\nAll ${jobs.length} jobs passed in ${total} s (${busy.toFixed(0)} s of jobs, ${poolSize} at a time).`);
