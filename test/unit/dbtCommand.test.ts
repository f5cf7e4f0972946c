import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  argValue,
  canonicalJson,
  dbtArgs,
  dbtExecutionPlan,
  dbtLabel,
  dbtLogPath,
  dbtProjectArgs,
  dbtTaskName,
  DbtTaskDefinitionError,
  errorExecutionPlan,
  fileCompileWords,
  inlineCompileWords,
  parseDbtTaskDefinition,
  type DbtTaskDefinition,
} from '../../src/dbt/command';
import { locateDbt } from '../../src/dbt/executable';

const LOG_ARGS = ['--log-format', 'text', '--log-path', '/store/run', '--log-format-file', 'json', '--log-level-file', 'debug', '--no-use-colors-file'];

describe('dbt task definitions', () => {
  it('accepts the package.json schema and normalises it', () => {
    assert.deepEqual(parseDbtTaskDefinition({ type: 'dbt', command: 'build' }), { type: 'dbt', command: 'build' });
    assert.deepEqual(
      parseDbtTaskDefinition({ type: 'dbt', command: ' source   freshness ', select: ' source:sql_server_dbo ', exclude: '', target: 'dev', project: 'dbt-sample', fullRefresh: false, vars: {} }),
      { type: 'dbt', command: 'source freshness', select: 'source:sql_server_dbo', target: 'dev', project: 'dbt-sample' },
    );
    // tasks.json may carry VS Code's own keys next to the definition's.
    assert.equal(parseDbtTaskDefinition({ type: 'dbt', command: 'run', label: 'x', problemMatcher: [] }).command, 'run');
  });

  it('refuses what dbt would refuse, naming every problem', () => {
    const refuse = (value: unknown, pattern: RegExp) => assert.throws(() => parseDbtTaskDefinition(value), (error: Error) => error instanceof DbtTaskDefinitionError && pattern.test(error.message));
    refuse({ type: 'dbt', command: 'buidl' }, /unknown dbt command "buidl" \(expected one of build, run, test, snapshot, seed, compile, source freshness\)/);
    refuse({ type: 'dbt' }, /"command" is required/);
    refuse({ type: 'dbt', command: 'test', fullRefresh: true }, /"fullRefresh" does not apply to dbt test \(only to build, run, seed, compile\)/);
    refuse({ type: 'dbt', command: 'snapshot', fullRefresh: true }, /does not apply to dbt snapshot/);
    refuse({ type: 'dbt', command: 'run', fullRefresh: 'yes' }, /"fullRefresh" must be true or false/);
    refuse({ type: 'dbt', command: 'run', vars: '{"a":1}' }, /"vars" must be an object .* not a string/);
    refuse({ type: 'dbt', command: 'run', vars: [1] }, /"vars" must be an object .* not an array/);
    refuse({ type: 'dbt', command: 'run', vars: { days: Number.NaN } }, /vars.days is NaN/);
    refuse({ type: 'dbt', command: 'run', vars: { when: new Date(0) } }, /vars.when is not plain data/);
    refuse({ type: 'dbt', command: 'run', vars: { f: () => 1 } }, /vars.f is a function/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refuse({ type: 'dbt', command: 'run', vars: cyclic }, /vars.self refers to itself/);
    refuse({ type: 'dbt', command: 'run', select: '--full-refresh' }, /"select" must not start with "-"/);
    refuse({ type: 'dbt', command: 'run', target: 3 }, /"target" must be a string, not number/);
    refuse({ type: 'npm', command: 'run' }, /"type" must be "dbt"/);
    refuse('build', /must be an object/);
    refuse({ type: 'dbt', command: 'seed', select: 7, fullRefresh: 1 }, /"select" must be a string.*; "fullRefresh" must be true or false/);
    refuse({ type: 'dbt', command: 'build', indirectSelection: 'careful' }, /"indirectSelection" must be one of eager, cautious, buildable, empty, not "careful"/);
    refuse({ type: 'dbt', command: 'run', indirectSelection: 'cautious' }, /"indirectSelection" does not apply to dbt run \(only to build, test\)/);
  });

  it("passes dbt's --indirect-selection for build and test", () => {
    const definition = parseDbtTaskDefinition({ type: 'dbt', command: 'build', select: 'stg_orders+', indirectSelection: 'cautious' });
    assert.deepEqual(definition, { type: 'dbt', command: 'build', select: 'stg_orders+', indirectSelection: 'cautious' });
    assert.deepEqual(dbtArgs(definition, { projectDir: '/p' }).slice(0, 5), ['build', '--select', 'stg_orders+', '--indirect-selection', 'cautious']);
    assert.equal(dbtLabel(definition), 'dbt build --select stg_orders+ --indirect-selection cautious');
  });

});

describe('dbt argv', () => {
  const definition: DbtTaskDefinition = { type: 'dbt', command: 'build', select: 'stg_orders+', target: 'dev', fullRefresh: true, vars: { a: 1 } };

  it('builds program arguments, never a shell string', () => {
    assert.deepEqual(dbtArgs(definition, { projectDir: '/ws/dbt-sample', profilesDir: '/ws/dbt-sample', logPath: '/store/run' }), [
      'build', '--select', 'stg_orders+', '--target', 'dev', '--full-refresh', '--vars', '{"a":1}',
      '--project-dir', '/ws/dbt-sample', '--profiles-dir', '/ws/dbt-sample', ...LOG_ARGS,
    ]);
    assert.deepEqual(dbtArgs({ type: 'dbt', command: 'source freshness', exclude: 'source:google_sheets' }, { projectDir: '/p' }), [
      'source', 'freshness', '--exclude', 'source:google_sheets', '--project-dir', '/p', '--log-format', 'text',
    ]);
    // A selection of several nodes stays one argument: no shell splits or expands it.
    const args = dbtArgs({ type: 'dbt', command: 'run', select: 'stg_orders stg_users tag:$HOME *' }, { projectDir: '/p' });
    assert.equal(args[2], 'stg_orders stg_users tag:$HOME *');
  });

  it('uses the default target only when the task names none', () => {
    assert.deepEqual(dbtArgs({ type: 'dbt', command: 'run' }, { projectDir: '/p', defaultTarget: 'snowflake' }).slice(0, 3), ['run', '--target', 'snowflake']);
    assert.deepEqual(dbtArgs({ type: 'dbt', command: 'run', target: 'duckdb' }, { projectDir: '/p', defaultTarget: 'snowflake' }).slice(0, 3), ['run', '--target', 'duckdb']);
    assert.deepEqual(dbtArgs({ type: 'dbt', command: 'run' }, { projectDir: '/p', defaultTarget: ' ' }).slice(0, 2), ['run', '--project-dir']);
  });

  it('ends every other dbt invocation (compile, the CLI demo build) with the project, its profile and its target', () => {
    const project = { projectDir: '/ws/p', profilesDir: '/home/u/.dbt', target: 'dev' };
    assert.deepEqual(dbtProjectArgs(inlineCompileWords('select 1'), project), [
      'compile', '--inline', 'select 1', '--quiet', '--output', 'json', '--project-dir', '/ws/p', '--profiles-dir', '/home/u/.dbt', '--target', 'dev',
    ]);
    assert.deepEqual(dbtProjectArgs(fileCompileWords('models/a.sql'), { projectDir: '/ws/p' }), ['compile', '--select', 'path:models/a.sql', '--quiet', '--project-dir', '/ws/p']);
  });

  it('passes vars as canonical JSON, so equal vars give equal tasks', () => {
    assert.equal(canonicalJson({ b: [{ y: 1, x: 2 }], a: 'é "quoted"' }), '{"a":"é \\"quoted\\"","b":[{"x":2,"y":1}]}');
    const one = parseDbtTaskDefinition({ type: 'dbt', command: 'run', vars: { start: '2024-01-01', days: 3 } });
    const two = parseDbtTaskDefinition({ type: 'dbt', command: 'run', vars: { days: 3, start: '2024-01-01' } });
    assert.equal(dbtTaskName(one), dbtTaskName(two));
    assert.equal(dbtLogPath('/s', '/p', one), dbtLogPath('/s', '/p', two));
    assert.equal(argValue(dbtArgs(one, { projectDir: '/p' }), '--vars'), '{"days":3,"start":"2024-01-01"}');
  });

  it('names tasks stably and readably', () => {
    assert.equal(dbtTaskName({ type: 'dbt', command: 'build', select: 'stg_orders+' }), 'build --select stg_orders+');
    assert.equal(dbtLabel({ type: 'dbt', command: 'build', select: 'stg_orders+' }), 'dbt build --select stg_orders+');
    assert.equal(dbtLabel(definition), 'dbt build --select stg_orders+ --target dev --full-refresh --vars {"a":1}');
    assert.equal(dbtLabel({ type: 'dbt', command: 'source freshness' }), 'dbt source freshness');
  });

  it('plans the process: dbt in the project folder with the extra environment', () => {
    const plan = dbtExecutionPlan(definition, { dbt: '/ws/.venv/bin/dbt', projectDir: '/ws/dbt-sample', logPath: '/store/run', duckdbPath: '/data/greenery.duckdb' });
    assert.equal(plan.program, '/ws/.venv/bin/dbt');
    assert.equal(plan.cwd, '/ws/dbt-sample');
    assert.deepEqual(plan.env, { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', MEDALLION_DUCKDB_PATH: '/data/greenery.duckdb', DBT_LOG_FILE_MAX_BYTES: '0' });
    assert.equal(plan.logFile, join('/store/run', 'dbt.log'));
    assert.deepEqual(plan.args.slice(-LOG_ARGS.length), LOG_ARGS);
    const bare = dbtExecutionPlan({ type: 'dbt', command: 'test' }, { dbt: 'dbt', projectDir: '/p' });
    assert.deepEqual(bare.env, { DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' });
    assert.equal(bare.logFile, undefined);
  });

  it('gives each task and project its own log folder', () => {
    const build = dbtLogPath('/store', '/ws/a', { type: 'dbt', command: 'build' });
    assert.match(build, /dbt-runs[\\/]a-build-[0-9a-f]{12}$/);
    assert.equal(dbtLogPath('/store', '/ws/a', { type: 'dbt', command: 'build', project: 'a' }), build, 'the project key is already in the folder');
    assert.notEqual(dbtLogPath('/store', '/ws/b', { type: 'dbt', command: 'build' }), build);
    assert.notEqual(dbtLogPath('/store', '/ws/a', { type: 'dbt', command: 'build', select: 'x' }), build);
    assert.match(dbtLogPath('/store', '/ws/a', { type: 'dbt', command: 'source freshness' }), /a-source-freshness-/);
  });

  it('reads option values back from an argv', () => {
    assert.equal(argValue(['run', '--log-path', '/x', '--target=dev'], '--log-path'), '/x');
    assert.equal(argValue(['run', '--target=dev'], '--target'), 'dev');
    assert.equal(argValue(['run'], '--target'), undefined);
  });

  it('explains in the terminal why a task cannot run', () => {
    const plan = errorExecutionPlan('dbt was not found: "quotes" and \\ backslashes survive', process.execPath, process.cwd());
    const result = spawnSync(plan.program, plan.args, { cwd: plan.cwd, env: { ...process.env, ...plan.env }, encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'Medallion: dbt was not found: "quotes" and \\ backslashes survive\n');
  });
});

describe('finding dbt', () => {
  const files = (...paths: string[]) => (path: string) => paths.includes(path);

  it('prefers the setting, then the Python environment setting', () => {
    assert.deepEqual(locateDbt({ projectDir: '/ws/p', workspaceDir: '/ws', configuredPath: 'tools/dbt', exists: files('/ws/tools/dbt'), platform: 'linux' }), { path: '/ws/tools/dbt', source: 'setting' });
    const missing = locateDbt({ projectDir: '/ws/p', configuredPath: '/opt/dbt', exists: files(), platform: 'linux' });
    assert.equal(missing.path, undefined);
    assert.match(missing.message ?? '', /medallion.dbt.path is \/opt\/dbt, and \/opt\/dbt does not exist/);
    assert.deepEqual(locateDbt({ projectDir: '/ws/p', workspaceDir: '/ws', pythonEnvironment: 'envs/dbt', exists: files('/ws/envs/dbt/bin/dbt'), platform: 'linux' }), { path: '/ws/envs/dbt/bin/dbt', source: 'pythonEnvironment' });
    assert.match(locateDbt({ projectDir: '/ws/p', pythonEnvironment: '/venv', exists: files(), platform: 'linux' }).message ?? '', /\/venv\/bin\/pip install dbt-duckdb/);
  });

  it('searches the project .venv, then the workspace .venv, then PATH', () => {
    const env = { PATH: '/usr/bin' };
    const search = (...present: string[]) => locateDbt({ projectDir: '/other/p', workspaceDir: '/ws', env, exists: files(...present), platform: 'linux' });
    assert.equal(search('/other/p/.venv/bin/dbt', '/ws/.venv/bin/dbt', '/usr/bin/dbt').path, '/other/p/.venv/bin/dbt');
    assert.equal(search('/ws/.venv/bin/dbt', '/usr/bin/dbt').path, '/ws/.venv/bin/dbt');
    assert.equal(search('/usr/bin/dbt').path, '/usr/bin/dbt');
    const none = search();
    assert.equal(none.path, undefined);
    assert.match(none.message ?? '', /dbt was not found: .*Install it with `python -m venv \.venv`.*or set medallion\.dbt\.path/);
    assert.ok(none.path === undefined && none.tried.includes('/ws/.venv/bin/dbt'));
  });
});
