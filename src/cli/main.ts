/**
 * `medallion`: the headless shell over the same core as the extension, so simulations can be
 * scheduled outside the editor (cron, CI). Exit code 0 on success, 1 when the work failed,
 * 2 on bad usage; every failure is one line on stderr.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findProjectUp, projectVar, readActiveTarget, type DbtTarget } from '../dbt/profile';
import { findDbt, runDbt } from '../dbt/runner';
import { SimulationStore, storeDirForFile, storeDirForSnowflake } from '../outbox/store';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_HISTORY_PURCHASES,
  DEFAULT_PURCHASES_PER_HOUR,
  initWarehouse,
  simulate,
  uploadPending,
  type ProgressEvent,
  type UploadSummary,
} from '../pipeline/operations';
import type { UploadStep, Warehouse } from '../warehouse/warehouse';
import { DuckDbWarehouse } from '../warehouse/duckdb';
import { loadSnowflake } from '../warehouse/snowflake/load';
import { fromDbtTarget, requireSecrets, type SnowflakeSecrets, type SnowflakeSettings } from '../warehouse/snowflake/settings';
import { queryTag } from '../warehouse/snowflake/statements';
import { formatOptions, isoDate, parseOptions, UsageError, wholeNumber, type OptionSpec, type OptionValues } from './args';
import { ProgressBar } from './progress';
import { formatCounts, formatTable } from './format';

interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const COMMON: readonly OptionSpec[] = [
  { name: 'warehouse', type: 'string', value: 'FILE', description: "DuckDB file (default: the file of the dbt project's active target)" },
  { name: 'project', type: 'string', value: 'DIR', description: 'dbt project folder (default: the nearest dbt_project.yml, or ./dbt-sample)' },
  {
    name: 'target',
    type: 'string',
    value: 'NAME',
    description: "dbt target to read the warehouse from (default: the profile's); a snowflake target takes its credentials from the environment",
  },
  { name: 'help', type: 'boolean', short: 'h', description: 'show this help' },
];

interface Command {
  summary: string;
  usage: string;
  options: readonly OptionSpec[];
  run(values: OptionValues, io: Io): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'create bronze and bootstrap it (catalogue, promos, budget, a history of purchases)',
    usage: 'medallion init [--seed S] [--start YYYY-MM-DD] [--history N] [--rate N]',
    options: [
      { name: 'seed', type: 'string', value: 'S', description: 'seed of the whole simulation (default: greenery)' },
      { name: 'start', type: 'string', value: 'DATE', description: 'first day of the initial history (default: 14 days ago)' },
      { name: 'history', type: 'string', value: 'N', description: `purchases in the initial history (default: ${DEFAULT_HISTORY_PURCHASES})` },
      { name: 'rate', type: 'string', value: 'N', description: `purchases per simulated hour (default: ${DEFAULT_PURCHASES_PER_HOUR})` },
    ],
    run: runInit,
  },
  simulate: {
    summary: 'simulate purchases into the outbox, and upload them to bronze with --upload',
    usage: 'medallion simulate --purchases N [--seed S] [--upload]',
    options: [
      { name: 'purchases', type: 'string', short: 'n', value: 'N', description: 'number of purchases to simulate (required)' },
      { name: 'seed', type: 'string', value: 'S', description: 'seed of this run: same state and seed give the same data' },
      { name: 'upload', type: 'boolean', description: 'upload each batch to bronze as soon as it is written' },
      { name: 'batch-size', type: 'string', value: 'N', description: `purchases per batch (default: ${DEFAULT_BATCH_SIZE})` },
      {
        name: 'fast-forward',
        type: 'boolean',
        description: "advance simulated time at the shop's rate, even past the wall clock (default: keep to the wall clock)",
      },
    ],
    run: runSimulate,
  },
  upload: {
    summary: 'upload the pending outbox batches to bronze, oldest first',
    usage: 'medallion upload',
    options: [],
    run: runUpload,
  },
  status: {
    summary: 'show the warehouse, its bronze tables, the outbox and the simulation',
    usage: 'medallion status [--json]',
    options: [{ name: 'json', type: 'boolean', description: 'print machine-readable JSON' }],
    run: runStatus,
  },
  demo: {
    summary: 'init, simulate and upload purchases, run dbt build, show a gold mart and rows per layer',
    usage: 'medallion demo [--purchases N]',
    options: [{ name: 'purchases', type: 'string', short: 'n', value: 'N', description: 'purchases to add (default: 1000)' }],
    run: runDemo,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    'medallion: simulate purchases into a bronze / silver / gold dbt warehouse',
    '',
    'Usage: medallion <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Common options:',
    formatOptions(COMMON),
    '',
    'Run `medallion <command> --help` for the options of a command.',
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  return [`medallion ${name}: ${command.summary}`, '', `Usage: ${command.usage} [common options]`, '', 'Options:', formatOptions([...command.options, ...COMMON])].join('\n');
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: readonly string[], io: Io = { out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(mainHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`medallion: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    const values = parseOptions(rest, [...command.options, ...COMMON], name);
    if (values.help) {
      io.out.write(commandHelp(name, command) + '\n');
      return 0;
    }
    return await command.run(values, io);
  } catch (error) {
    io.err.write(`medallion ${name}: error: ${oneLine(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

declare const MEDALLION_VERSION: string | undefined;
const VERSION = typeof MEDALLION_VERSION === 'string' ? MEDALLION_VERSION : 'development';

const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? 'failed';

// --- context -----------------------------------------------------------------------------

interface Context {
  projectDir: string | undefined;
  target: DbtTarget | undefined;
  /** The DuckDB file; undefined when the warehouse is Snowflake. */
  warehouseFile: string | undefined;
  snowflake: { settings: SnowflakeSettings; secrets: SnowflakeSecrets } | undefined;
  /** Where the warehouse is, for messages (never a secret). */
  label: string;
  store: SimulationStore;
}

function resolveContext(values: OptionValues, io: Io): Context {
  const explicitProject = typeof values.project === 'string' ? resolve(io.cwd, values.project) : io.env.MEDALLION_PROJECT;
  if (explicitProject && !existsSync(join(explicitProject, 'dbt_project.yml'))) {
    throw new UsageError(`--project ${explicitProject} has no dbt_project.yml`);
  }
  const sample = join(io.cwd, 'dbt-sample');
  const projectDir = explicitProject ?? findProjectUp(io.cwd) ?? (existsSync(join(sample, 'dbt_project.yml')) ? sample : undefined);
  let warehouseFile: string;
  let target: DbtTarget | undefined;
  if (typeof values.warehouse === 'string') {
    warehouseFile = resolve(io.cwd, values.warehouse);
  } else {
    if (!projectDir) throw new UsageError('no dbt project found here: pass --warehouse FILE or --project DIR');
    target = readActiveTarget(projectDir, { target: typeof values.target === 'string' ? values.target : undefined, env: io.env });
    if (target.type === 'snowflake') {
      const snowflake = fromDbtTarget(target.fields, {
        where: `dbt target ${target.target} of ${join(target.profilesDir, 'profiles.yml')}`,
        accessUrl: io.env.MEDALLION_SNOWFLAKE_URL,
        // Where the project's sources read bronze from.
        bronzeSchema: projectVar(projectDir, 'bronze_schema'),
      });
      requireSecrets(snowflake.settings, snowflake.secrets, 'set SNOWFLAKE_PASSWORD (or use key-pair authentication)');
      const { settings } = snowflake;
      return {
        projectDir,
        target,
        warehouseFile: undefined,
        snowflake,
        label: `Snowflake ${settings.account}, database ${settings.database}, schema ${settings.schemas.bronze}`,
        store: new SimulationStore(storeDirForSnowflake(projectDir, settings.account, settings.database)),
      };
    }
    if (target.type !== 'duckdb' || !target.path) {
      throw new UsageError(`dbt target ${target.target} is ${target.type}, not DuckDB or Snowflake: pass --warehouse FILE or another --target`);
    }
    warehouseFile = target.path;
  }
  return { projectDir, target, warehouseFile, snowflake: undefined, label: warehouseFile, store: new SimulationStore(storeDirForFile(warehouseFile)) };
}

/** The DuckDB file of a context, or a usage error for a command that only runs on DuckDB. */
function duckDbFile(context: Context, command: string): string {
  if (context.warehouseFile === undefined) {
    throw new UsageError(`${command} runs on the embedded DuckDB warehouse; pick a DuckDB --target (on Snowflake: init, simulate --upload, upload, status)`);
  }
  return context.warehouseFile;
}

/** Test hook: MEDALLION_FAILPOINT=<step> kills the process at that step of an upload, like a crash would. */
function failpointHooks(env: NodeJS.ProcessEnv): { step(step: UploadStep): void } | undefined {
  const point = env.MEDALLION_FAILPOINT;
  if (!point) return undefined;
  return {
    step(step: UploadStep): void {
      if (step === point) process.kill(process.pid, 'SIGKILL');
    },
  };
}

/** DuckDB settings from MEDALLION_DUCKDB_CONFIG (a JSON object, e.g. {"threads": "1", "memory_limit": "256MB"}). */
function duckDbConfig(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const text = env.MEDALLION_DUCKDB_CONFIG;
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('MEDALLION_DUCKDB_CONFIG is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('MEDALLION_DUCKDB_CONFIG must be a JSON object');
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

/**
 * DuckDB settings for the CLI's connection: a bounded buffer pool (the loader streams; dbt runs in
 * its own process) and, while batches are generated alongside, one thread fewer than the machine
 * has, leaving a core to the generator. MEDALLION_DUCKDB_CONFIG overrides any of them.
 */
function loaderConfig(env: NodeJS.ProcessEnv, alongsideGeneration: boolean): Record<string, string> {
  return {
    // Beside the generator the two share the process's memory: DuckDB gets the smaller part.
    memory_limit: alongsideGeneration ? '40MB' : '128MB',
    ...(alongsideGeneration ? { threads: String(Math.max(1, availableParallelism() - 1)) } : {}),
    ...duckDbConfig(env),
  };
}

async function withDuckDb<T>(
  file: string,
  create: boolean,
  work: (warehouse: DuckDbWarehouse) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv; alongsideGeneration?: boolean } = {},
): Promise<T> {
  const config = loaderConfig(options.env ?? process.env, options.alongsideGeneration ?? false);
  return using(await DuckDbWarehouse.open(file, { create, config }), work);
}

/** Runs `work` with an open warehouse and closes it whatever happens. */
async function using<W extends { close(): Promise<void> }, T>(warehouse: W, work: (warehouse: W) => Promise<T>): Promise<T> {
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Opens the context's warehouse (a DuckDB file, or a signed-in Snowflake session), runs `work`, closes it. */
async function withWarehouse<T>(
  context: Context,
  create: boolean,
  work: (warehouse: Warehouse) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv; alongsideGeneration?: boolean } = {},
): Promise<T> {
  if (!context.snowflake) return withDuckDb(context.warehouseFile as string, create, work, options);
  const { SnowflakeWarehouse } = loadSnowflake();
  const warehouse = await SnowflakeWarehouse.open(context.snowflake.settings, context.snowflake.secrets, {
    queryTag: queryTag('cli', VERSION),
    logFile: join(tmpdir(), 'medallion', 'snowflake-driver.log'),
  });
  return using(warehouse, work);
}

function progressReporter(io: Io, label: string): { onProgress: (event: ProgressEvent) => void; bar: ProgressBar } {
  const bar = new ProgressBar(io.err, label);
  return {
    bar,
    onProgress: (event) => {
      if (event.kind === 'generating') bar.update(event.done, event.total);
    },
  };
}

// --- commands ----------------------------------------------------------------------------

async function runInit(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  const historyPurchases = wholeNumber(values.history, 'history', { min: 0, max: 100_000_000, fallback: DEFAULT_HISTORY_PURCHASES });
  const purchasesPerHour = wholeNumber(values.rate, 'rate', { min: 1, max: 1_000_000, fallback: DEFAULT_PURCHASES_PER_HOUR });
  const start = isoDate(values.start, 'start');
  const { bar, onProgress } = progressReporter(io, 'history');
  const hooks = failpointHooks(io.env);
  const result = await withWarehouse(context, true, (warehouse) =>
    initWarehouse(context.store, warehouse, {
      ...(typeof values.seed === 'string' ? { seed: values.seed } : {}),
      ...(start !== undefined ? { start } : {}),
      historyPurchases,
      purchasesPerHour,
      onProgress,
      ...(hooks ? { hooks } : {}),
    }),
    { env: io.env, alongsideGeneration: true },
  );
  bar.done();
  io.out.write(`Warehouse ${context.label}\n`);
  if (result.kind === 'ready') io.out.write('Already initialised: bronze exists and the simulation state is in place.\n');
  if (result.kind === 'adopted') {
    io.out.write(
      `Bronze already held data: the simulation continues it (${result.products} products, ` +
        `${result.customers} customers, ${result.openOrders} open orders).\n`,
    );
  }
  if (result.kind === 'bootstrapped') {
    io.out.write(`Bootstrapped bronze with ${result.simulate.purchases.toLocaleString('en-US')} purchases of history.\n`);
    io.out.write(formatCounts('Rows added', result.simulate.upload?.rows ?? result.simulate.generated) + '\n');
  }
  return 0;
}

async function runSimulate(values: OptionValues, io: Io): Promise<number> {
  const purchases = wholeNumber(values.purchases, 'purchases', { min: 0, max: 1_000_000_000 });
  const batchSize = wholeNumber(values['batch-size'], 'batch-size', { min: 1, max: 1_000_000, fallback: DEFAULT_BATCH_SIZE });
  const context = resolveContext(values, io);
  const { bar, onProgress } = progressReporter(io, 'simulating');
  const started = Date.now();
  const seed = typeof values.seed === 'string' ? values.seed : undefined;
  const hooks = failpointHooks(io.env);
  const run = (warehouse?: Warehouse) =>
    simulate(context.store, {
      purchases,
      seed,
      batchSize,
      uploadTo: warehouse,
      followRealTime: !values['fast-forward'],
      onProgress,
      ...(hooks ? { hooks } : {}),
    });
  const summary = values.upload
    ? await withWarehouse(context, false, run, { env: io.env, alongsideGeneration: true })
    : await run();
  bar.done();
  const seconds = (Date.now() - started) / 1000;
  const peakMegabytes = Math.round(process.resourceUsage().maxRSS / 1024);
  io.out.write(
    `Simulated ${summary.purchases.toLocaleString('en-US')} purchases in ${summary.batches.length} batch(es) ` +
      `in ${seconds.toFixed(1)} s (${Math.round(summary.purchases / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s, ` +
      `peak memory ${peakMegabytes} MB).\n`,
  );
  if (summary.from !== undefined && summary.to !== undefined) {
    io.out.write(`Simulated time ${new Date(summary.from).toISOString()} to ${new Date(summary.to).toISOString()}\n`);
  }
  io.out.write(formatCounts('Rows generated', summary.generated) + '\n');
  if (summary.upload) writeUploadSummary(io, summary.upload);
  else io.out.write(`Written to the outbox; load it with \`medallion upload\` (${context.store.outbox.pendingIds().length} batch(es) pending).\n`);
  return 0;
}

function writeUploadSummary(io: Io, upload: UploadSummary, seconds?: number): void {
  io.out.write(
    `Uploaded ${upload.batches} batch(es) to bronze` +
      (upload.alreadyLoaded ? `, ${upload.alreadyLoaded} were already loaded` : '') +
      (seconds === undefined ? '' : ` in ${seconds.toFixed(3)} s`) +
      '.\n',
  );
  io.out.write(formatCounts('Rows added to bronze', upload.rows) + '\n');
}

async function runUpload(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  const pending = context.store.outbox.pendingIds().length;
  if (pending === 0) {
    io.out.write('Nothing to upload: the outbox is empty.\n');
    return 0;
  }
  const hooks = failpointHooks(io.env);
  let seconds = 0;
  const summary = await withWarehouse(context, false, async (warehouse) => {
    // Timed from the open warehouse to the last commit: what the batches cost, not the process start.
    const started = performance.now();
    const result = await uploadPending(context.store, warehouse, hooks ? { hooks } : {});
    seconds = (performance.now() - started) / 1000;
    return result;
  });
  writeUploadSummary(io, summary, seconds);
  return 0;
}

async function runStatus(values: OptionValues, io: Io): Promise<number> {
  const context = resolveContext(values, io);
  let state;
  try {
    state = context.store.loadState();
  } catch (error) {
    io.err.write(`medallion status: warning: ${oneLine(error)}\n`);
  }
  const pending = context.store.outbox.pendingIds();
  const exists = context.warehouseFile === undefined || existsSync(context.warehouseFile);
  const bronze = exists
    ? await withWarehouse(context, false, async (warehouse) =>
        (await warehouse.hasBronze()) ? { rows: await warehouse.bronzeRowCounts(), batches: await warehouse.loadedBatchCount() } : undefined,
      )
    : undefined;
  const report = {
    warehouse: context.label,
    exists,
    target: context.target ? `${context.target.profile}.${context.target.target}` : undefined,
    bronze,
    outbox: { pending: pending.length, batches: pending },
    simulation: state
      ? {
          clock: new Date(state.clock).toISOString(),
          batches: state.batches,
          purchases: state.totals.purchases,
          customersInPool: state.customers.length,
          openOrders: state.openOrders.length,
        }
      : undefined,
  };
  if (values.json) {
    io.out.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  io.out.write(`Warehouse   ${context.label}${report.target ? ` (dbt target ${report.target})` : ''}\n`);
  if (!exists) io.out.write('            does not exist yet: run `medallion init`\n');
  else if (!bronze) io.out.write('            has no bronze yet: run `medallion init`\n');
  else {
    io.out.write(formatCounts('Bronze', bronze.rows) + '\n');
    io.out.write(`Ledger      ${bronze.batches} batch(es) loaded\n`);
  }
  io.out.write(`Outbox      ${pending.length} batch(es) pending${pending.length ? `: ${pending.join(', ')}` : ''}\n`);
  if (report.simulation) {
    const sim = report.simulation;
    io.out.write(
      `Simulation  clock ${sim.clock}, ${sim.batches} batch(es), ${sim.purchases.toLocaleString('en-US')} purchases, ` +
        `${sim.customersInPool.toLocaleString('en-US')} customers who may return, ${sim.openOrders} open orders\n`,
    );
  } else io.out.write('Simulation  not initialised\n');
  return 0;
}

async function runDemo(values: OptionValues, io: Io): Promise<number> {
  const purchases = wholeNumber(values.purchases, 'purchases', { min: 0, max: 10_000_000, fallback: 1000 });
  const context = resolveContext(values, io);
  if (!context.projectDir) throw new UsageError('demo needs a dbt project (--project DIR)');
  const file = duckDbFile(context, 'demo');
  const dbt = findDbt(context.projectDir, io.env);
  if (!dbt) throw new Error('dbt not found: run `npm run setup:python` (creates .venv with dbt) or put dbt on PATH');
  const section = (title: string): boolean => io.out.write(`\n== ${title}\n`);

  section(`Warehouse ${file}`);
  const init = await withDuckDb(file, true, (warehouse) => initWarehouse(context.store, warehouse, {}));
  io.out.write(
    init.kind === 'bootstrapped'
      ? `Bootstrapped: catalogue, promos, budget and ${init.simulate.purchases.toLocaleString('en-US')} purchases of history.\n`
      : 'Already bootstrapped; adding to it.\n',
  );

  section(`Simulating ${purchases.toLocaleString('en-US')} purchases and uploading them to bronze`);
  const { bar, onProgress } = progressReporter(io, 'simulating');
  const summary = await withDuckDb(file, false, (warehouse) =>
    simulate(context.store, { purchases, uploadTo: warehouse, followRealTime: true, onProgress }),
    { env: io.env, alongsideGeneration: true },
  );
  bar.done();
  io.out.write(formatCounts('Rows added to bronze', summary.upload?.rows ?? summary.generated) + '\n');

  section('dbt build');
  // The warehouse is closed now: dbt needs the file to itself.
  const env = { ...io.env, MEDALLION_DUCKDB_PATH: file };
  const args = ['build', '--project-dir', context.projectDir, '--profiles-dir', context.target?.profilesDir ?? context.projectDir];
  if (context.target) args.push('--target', context.target.target);
  const result = await runDbt(dbt, args, { cwd: context.projectDir, env, onOutput: (text) => io.out.write(text) });
  if (result.code !== 0) throw new Error(`dbt build failed (exit code ${result.code ?? result.signal}); see its output above`);

  await withDuckDb(file, false, async (warehouse) => {
    section('Gold: product_sales, top 5 products by revenue');
    const columns = ['product_name', 'units_sold', 'revenue_usd', 'web_visits', 'orders_per_100_visits'];
    const top = await warehouse.rows(`select ${columns.join(', ')} from gold.product_sales order by revenue_usd desc, product_name limit 5`);
    io.out.write(formatTable(columns, top) + '\n');
    section('Rows per layer');
    io.out.write(formatTable(['layer', 'tables', 'rows'], await warehouse.layerRowCounts(['bronze', 'silver', 'gold', 'snapshots'])) + '\n');
  });
  return 0;
}
