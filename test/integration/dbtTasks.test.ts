/**
 * The dbt task pipeline without VS Code, against real dbt: the execution plan the task provider
 * would hand to a ProcessExecution is spawned for real on a copy of dbt-sample with a broken
 * model and failing tests; the JSON log is tailed while dbt writes it; then the artefacts are
 * read and turned into the records the Problems panel shows.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { problemFilesFromDisk, readRunArtifacts } from '../../src/dbt/artifacts';
import { dbtExecutionPlan, dbtLabel, dbtLogPath, type DbtTaskDefinition } from '../../src/dbt/command';
import { LogTail } from '../../src/dbt/logTail';
import { parseLogLine, ProgressTracker, type ProgressSnapshot } from '../../src/dbt/logs';
import { analyzeRun, type RunAnalysis } from '../../src/dbt/outcome';
import { resolveProfilesDir } from '../../src/dbt/profile';
import { cli, tempDir } from '../support/cli';
import { DBT, SAMPLE } from '../support/dbt';

const STG_PROMOS = 'models/staging/sql_server_dbo/stg_promos.sql';
const MODELS_YML = 'models/staging/sql_server_dbo/_sql_server_dbo__models.yml';
const SOURCES_YML = 'models/staging/sql_server_dbo/_sql_server_dbo__sources.yml';
const SINGULAR = 'tests/singular/assert_always_fails.sql';
const DIM_PROMOS = 'models/marts/core/dim_promos.sql';

interface TaskRun {
  code: number | null;
  terminal: string;
  /** Every progress message, in order, as the notification would show them. */
  messages: string[];
  progress: ProgressSnapshot;
  analysis: RunAnalysis;
}

describe('dbt tasks on real dbt', function () {
  this.timeout(180_000);
  const dir = tempDir('dbt-tasks');
  const project = join(dir, 'greenery');
  const warehouse = join(dir, 'greenery.duckdb');
  const storage = join(dir, 'storage');
  const file = (path: string) => join(project, path);
  const edit = (path: string, from: string, to: string) => {
    const text = readFileSync(file(path), 'utf8');
    assert.ok(text.includes(from), `${path} no longer contains ${from}`);
    writeFileSync(file(path), text.replace(from, to));
  };
  const lineOf = (path: string, pattern: RegExp, after = 0) => readFileSync(file(path), 'utf8').split('\n').findIndex((line, index) => index >= after && pattern.test(line));

  /** Runs a task definition the way the extension does, minus the terminal. */
  async function runTask(definition: DbtTaskDefinition): Promise<TaskRun> {
    const plan = dbtExecutionPlan(definition, {
      dbt: DBT,
      projectDir: project,
      profilesDir: resolveProfilesDir(project),
      logPath: dbtLogPath(storage, project, definition),
      duckdbPath: warehouse,
    });
    assert.ok(plan.logFile);
    const tracker = new ProgressTracker(definition.command);
    const messages: string[] = [];
    const tail = new LogTail(plan.logFile, (lines) => {
      for (const line of lines) {
        const event = parseLogLine(line);
        if (event && tracker.apply(event)) messages.push(tracker.message());
      }
    }, { intervalMs: 50 }).start();
    const started = Date.now();
    let terminal = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(plan.program, plan.args, { cwd: plan.cwd, env: { ...process.env, ...plan.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (text: string) => (terminal += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (terminal += text));
      child.on('error', reject);
      child.on('close', resolve);
    });
    await tail.stop();
    const progress = tracker.snapshot();
    const artifacts = await readRunArtifacts({ projectDir: project, command: definition.command, progress });
    const analysis = analyzeRun({
      label: dbtLabel(definition),
      projectDir: project,
      exitCode: code ?? undefined,
      progress,
      results: artifacts.results,
      manifest: artifacts.manifest,
      files: problemFilesFromDisk(),
      wallSeconds: (Date.now() - started) / 1000,
      resourceDirs: artifacts.layout.resourceDirs,
    });
    return { code, terminal, messages, progress, analysis };
  }

  before(() => {
    if (!existsSync(DBT)) throw new Error(`dbt is not installed at ${DBT}: run npm run setup:python`);
    const skip = new Set(['target', 'logs', 'dbt_packages', '.user.yml']);
    cpSync(SAMPLE, project, { recursive: true, filter: (source) => !skip.has(basename(source)) && !source.endsWith('.duckdb') });
    edit(STG_PROMOS, '        false as is_no_promo,\n', '        false as as is_no_promo,\n');
    edit(MODELS_YML, "values: ['ups', 'usps', 'fedex', 'dhl']", "values: ['ups', 'usps']");
    writeFileSync(file(SINGULAR), '-- fails on purpose\nselect 1 as id\nunion all\nselect 2 as id\n');
    // An old history: every source is stale for the freshness check.
    const init = cli(['init', '--warehouse', warehouse, '--history', '300', '--seed', 'dbt-tasks', '--start', '2025-01-06']);
    assert.equal(init.code, 0, init.stderr);
  });

  it('turns a failing build into problems at the broken model and the failing tests', async () => {
    const run = await runTask({ type: 'dbt', command: 'build' });
    assert.equal(run.code, 1, run.terminal.slice(-3000));
    // The terminal stays dbt's readable text; the structure comes from the log file.
    assert.match(run.terminal, /\d+ of \d+ ERROR creating sql table model silver\.stg_promos/);
    assert.doesNotMatch(run.terminal, /^\{"data"/m);

    const { problems, counts, summary, status } = run.analysis;
    assert.equal(status, 'failed');
    const model = problems.find((problem) => problem.file === file(STG_PROMOS));
    assert.ok(model, JSON.stringify(problems, null, 2));
    assert.equal(model.severity, 'error');
    assert.equal(model.line, lineOf(STG_PROMOS, /^\s+false as as is_no_promo,$/));
    assert.match(model.message, /^Runtime Error in model stg_promos\nParser Error: syntax error at or near "is_no_promo"/);

    const generic = problems.find((problem) => problem.uniqueId?.startsWith('test.greenery.accepted_values_stg_orders_shipping_service'));
    assert.equal(generic?.file, file(MODELS_YML));
    assert.equal(generic?.line, lineOf(MODELS_YML, /- accepted_values:$/, lineOf(MODELS_YML, /- name: shipping_service$/)));
    assert.match(generic?.message ?? '', /^accepted_values on stg_orders\.shipping_service failed with 2 failures: Got 2 results/);

    const singular = problems.find((problem) => problem.file === file(SINGULAR));
    assert.equal(singular?.message, 'test assert_always_fails failed with 2 failures: Got 2 results, configured to fail if != 0');
    assert.equal(problems.length, 3, JSON.stringify(problems, null, 2));

    // Progress went through the nodes one by one and reached the total.
    assert.equal(run.progress.done, run.progress.total);
    assert.ok(run.messages.length > 20, run.messages.join('\n'));
    assert.match(run.messages[run.messages.length - 1] ?? '', new RegExp(`^${run.progress.total}/${run.progress.total} nodes$`));
    assert.ok(run.messages.some((message) => /^\d+\/\d+ nodes · \w+/.test(message)));
    assert.equal(counts.failed, 3);
    assert.ok(counts.skipped > 0, 'the children of stg_promos are skipped');
    assert.equal(counts.total, run.progress.total);
    assert.match(summary, new RegExp(`^dbt build: ${counts.passed} passed, 3 failed, ${counts.skipped} skipped in \\d+\\.\\d s$`));
  });

  it('puts a compile error that stops dbt at the model that caused it', async () => {
    edit(DIM_PROMOS, "ref('stg_promos')", "ref('stg_promotions')");
    try {
      const run = await runTask({ type: 'dbt', command: 'build', select: 'dim_promos' });
      assert.equal(run.code, 2, run.terminal.slice(-3000));
      assert.equal(run.analysis.summary, 'dbt build --select dim_promos failed: Compilation Error');
      // The previous run's run_results.json is still in target/: it must not count.
      assert.equal(run.analysis.counts.total, 0);
      assert.deepEqual(run.analysis.problems.map((problem) => [problem.file, problem.severity]), [[file(DIM_PROMOS), 'error']]);
      assert.match(run.analysis.problems[0]?.message ?? '', /depends on a node named 'stg_promotions' which was not found/);
    } finally {
      edit(DIM_PROMOS, "ref('stg_promotions')", "ref('stg_promos')");
    }
  });

  it('puts stale sources at their YAML entries', async () => {
    const run = await runTask({ type: 'dbt', command: 'source freshness', select: 'source:sql_server_dbo' });
    assert.equal(run.code, 1, run.terminal.slice(-3000));
    assert.equal(run.progress.done, 7);
    assert.equal(run.messages[run.messages.length - 1], '7/7 sources');
    const orders = run.analysis.problems.find((problem) => problem.uniqueId === 'source.greenery.sql_server_dbo.orders');
    assert.equal(orders?.file, file(SOURCES_YML));
    assert.equal(orders?.line, lineOf(SOURCES_YML, /- name: orders$/, lineOf(SOURCES_YML, /- name: sql_server_dbo$/)));
    assert.match(orders?.message ?? '', /^source sql_server_dbo\.orders is stale: last loaded [\d.]+ days ago \(error after 72 hours\)$/);
    assert.equal(run.analysis.problems.length, 7);
  });

  it('leaves no problems once the model is fixed', async () => {
    edit(STG_PROMOS, '        false as as is_no_promo,\n', '        false as is_no_promo,\n');
    const run = await runTask({ type: 'dbt', command: 'run', select: 'stg_promos+' });
    assert.equal(run.code, 0, run.terminal.slice(-3000));
    assert.equal(run.analysis.status, 'passed');
    assert.deepEqual(run.analysis.problems, []);
    assert.equal(run.progress.done, 2);
    assert.match(run.analysis.summary, /^dbt run --select stg_promos\+: 2 passed in \d+\.\d s$/);
  });
});
