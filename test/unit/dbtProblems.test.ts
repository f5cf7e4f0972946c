import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLogLines, ProgressTracker } from '../../src/dbt/logs';
import { parseManifest } from '../../src/dbt/manifest';
import { analyzeRun, resultsBelongToRun } from '../../src/dbt/outcome';
import { cleanMessage, lineInMessage, locateInYaml, locateQuotedLine, pathInMessage, problemsFromRun, resolveProjectFile, type ProblemFiles } from '../../src/dbt/problems';
import { parseFreshnessResults, parseRunResults } from '../../src/dbt/runResults';

const REPO = join(__dirname, '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'dbt-logs');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
// Where capture.mjs's project was (the fixtures name it so).
const PROJECT = '/tmp/greenery';

const MODELS_YML = 'models/staging/sql_server_dbo/_sql_server_dbo__models.yml';
const SOURCES_YML = 'models/staging/sql_server_dbo/_sql_server_dbo__sources.yml';
const STG_PROMOS = 'models/staging/sql_server_dbo/stg_promos.sql';
const SINGULAR = 'tests/singular/assert_always_fails.sql';

/** The files of capture.mjs's broken project: dbt-sample with the same edits, in memory. */
function brokenProject(): ProblemFiles & { text(path: string): string } {
  const sample = (path: string) => readFileSync(join(REPO, 'dbt-sample', path), 'utf8');
  const files = new Map<string, string>([
    [STG_PROMOS, sample(STG_PROMOS).replace('        false as is_no_promo,\n', '        false as as is_no_promo,\n')],
    [
      MODELS_YML,
      sample(MODELS_YML)
        .replace("values: ['ups', 'usps', 'fedex', 'dhl']", "values: ['ups', 'usps']")
        .replace(
          '      - name: promo_name\n        description: Name of the promo used, NULL without promo.\n',
          '      - name: promo_name\n        description: Name of the promo used, NULL without promo.\n        data_tests:\n          - not_null:\n              config:\n                severity: warn\n',
        ),
    ],
    [SOURCES_YML, sample(SOURCES_YML)],
    [SINGULAR, '-- fails on purpose: two rows\nselect 1 as id\nunion all\nselect 2 as id\n'],
    ['models/marts/core/dim_promos.sql', sample('models/marts/core/dim_promos.sql')],
  ]);
  const relative = (path: string) => path.slice(PROJECT.length + 1);
  return {
    read: (path) => files.get(relative(path)),
    exists: (path) => files.has(relative(path)),
    text: (path) => files.get(path) ?? '',
  };
}

const lineOf = (text: string, pattern: RegExp, after = 0): number => text.split('\n').findIndex((line, index) => index >= after && pattern.test(line));

describe('dbt problems', () => {
  const results = parseRunResults(read('build-failures.run_results.json'));
  const manifest = parseManifest(read('manifest.json'));
  const files = brokenProject();
  const problems = problemsFromRun({ projectDir: PROJECT, results, manifest, files });
  const at = (uniqueId: string) => problems.find((problem) => problem.uniqueId === uniqueId);

  it('puts a failing model at its .sql file, on the line the database quoted', () => {
    const problem = at('model.greenery.stg_promos');
    assert.deepEqual(problem, {
      file: join(PROJECT, STG_PROMOS),
      line: lineOf(files.text(STG_PROMOS), /^\s+false as as is_no_promo,$/),
      severity: 'error',
      code: 'error',
      uniqueId: 'model.greenery.stg_promos',
      message: 'Runtime Error in model stg_promos\nParser Error: syntax error at or near "is_no_promo"\nLINE 34:         false as as is_no_promo,',
    });
    assert.equal(problem.line, 21);
  });

  it('puts a failing generic test at its YAML entry, with the failure count', () => {
    const yaml = files.text(MODELS_YML);
    const column = lineOf(yaml, /- name: shipping_service$/, lineOf(yaml, /- name: stg_orders$/));
    assert.deepEqual(at('test.greenery.accepted_values_stg_orders_shipping_service__ups__usps.bb198ab089'), {
      file: join(PROJECT, MODELS_YML),
      line: lineOf(yaml, /- accepted_values:$/, column),
      severity: 'error',
      code: 'fail',
      uniqueId: 'test.greenery.accepted_values_stg_orders_shipping_service__ups__usps.bb198ab089',
      message: 'accepted_values on stg_orders.shipping_service failed with 2 failures: Got 2 results, configured to fail if != 0',
    });
    const warn = at('test.greenery.not_null_stg_orders_promo_name.e92658b5c4');
    assert.equal(warn?.severity, 'warning');
    assert.equal(warn?.code, 'warn');
    assert.equal(warn?.message, 'not_null on stg_orders.promo_name warned with 243 failures: Got 243 results, configured to warn if != 0');
    assert.equal(warn?.line, lineOf(yaml, /- not_null:$/, lineOf(yaml, /- name: promo_name$/, column - 20)));
  });

  it('puts a failing singular test at its own file', () => {
    assert.deepEqual(at('test.greenery.assert_always_fails'), {
      file: join(PROJECT, SINGULAR),
      line: undefined,
      severity: 'error',
      code: 'fail',
      uniqueId: 'test.greenery.assert_always_fails',
      message: 'test assert_always_fails failed with 2 failures: Got 2 results, configured to fail if != 0',
    });
  });

  it('puts a test that could not run at its YAML entry, with the database error', () => {
    const problem = at('test.greenery.relationships_stg_orders_user_id__user_id__ref_stg_users_.42a5ade737');
    const yaml = files.text(MODELS_YML);
    assert.equal(problem?.file, join(PROJECT, MODELS_YML));
    assert.equal(problem?.line, lineOf(yaml, /- relationships:$/, lineOf(yaml, /- name: user_id$/, lineOf(yaml, /- name: stg_orders$/))));
    assert.match(problem?.message ?? '', /^Runtime Error in test relationships_stg_orders_user_id__user_id__ref_stg_users_\nCatalog Error: Table with name stg_users does not exist!/);
  });

  it('reports only what failed or warned', () => {
    assert.equal(problems.length, 7);
    assert.ok(!at('model.greenery.dim_promos'), 'skipped nodes are no problem of their own');
    assert.ok(!at('model.greenery.stg_orders'));
    const green = parseRunResults({ results: [{ unique_id: 'model.greenery.stg_orders', status: 'success' }, { unique_id: 'test.greenery.x', status: 'pass', failures: 0 }] });
    assert.deepEqual(problemsFromRun({ projectDir: PROJECT, results: green, manifest, files }), []);
  });

  it('still names the right files without file access', () => {
    const bare = problemsFromRun({ projectDir: PROJECT, results, manifest });
    assert.deepEqual(bare.map((problem) => problem.file), problems.map((problem) => problem.file));
    assert.ok(bare.every((problem) => problem.line === undefined));
    // Without the manifest, dbt's message still names the model's file.
    const noManifest = problemsFromRun({ projectDir: PROJECT, results });
    assert.equal(noManifest.find((problem) => problem.uniqueId === 'model.greenery.stg_promos')?.file, join(PROJECT, STG_PROMOS));
  });

  it('puts an error that stopped dbt at the file it names', () => {
    const missingRef = new ProgressTracker();
    missingRef.applyAll(parseLogLines(read('missing-ref.log.jsonl')));
    const [refProblem] = problemsFromRun({ projectDir: PROJECT, fatalErrors: missingRef.snapshot().fatalErrors, files });
    assert.equal(refProblem?.file, join(PROJECT, 'models/marts/core/dim_promos.sql'));
    assert.equal(refProblem?.severity, 'error');
    assert.equal(refProblem?.message, "Compilation Error\nModel 'model.greenery.dim_promos' (models/marts/core/dim_promos.sql) depends on a node named 'stg_promotions' which was not found");

    const yaml = new ProgressTracker();
    yaml.applyAll(parseLogLines(read('yaml-error.log.jsonl')));
    const [yamlProblem] = problemsFromRun({ projectDir: PROJECT, fatalErrors: yaml.snapshot().fatalErrors, files });
    // dbt names it relative to models/: the file is found where it exists.
    assert.equal(yamlProblem?.file, join(PROJECT, MODELS_YML));
    assert.equal(yamlProblem?.line, 208);
    assert.match(yamlProblem?.message ?? '', /^Parsing Error\nError reading greenery: .* - Runtime Error\n {2}Syntax error near line 209/);

    const [nowhere] = problemsFromRun({ projectDir: PROJECT, fatalErrors: ['Runtime Error\n  Could not find profile named greenery'] });
    assert.equal(nowhere?.file, join(PROJECT, 'dbt_project.yml'));
  });

  it('puts a stale source at its YAML entry', () => {
    const freshness = parseFreshnessResults(read('freshness.sources.json'));
    const stale = problemsFromRun({ projectDir: PROJECT, results: freshness, manifest, files });
    assert.equal(stale.length, 8);
    const orders = stale.find((problem) => problem.uniqueId === 'source.greenery.sql_server_dbo.orders');
    const yaml = files.text(SOURCES_YML);
    assert.equal(orders?.file, join(PROJECT, SOURCES_YML));
    assert.equal(orders?.line, lineOf(yaml, /- name: orders$/, lineOf(yaml, /- name: sql_server_dbo$/)));
    assert.equal(orders?.code, 'stale');
    assert.match(orders?.message ?? '', /^source sql_server_dbo\.orders is stale: last loaded \d+\.\d days ago \(error after 72 hours\)$/);
  });
});

describe('dbt problem helpers', () => {
  it('cleans dbt messages', () => {
    assert.equal(cleanMessage('\u001b[31mFailure in model x (models/x.sql)\u001b[0m\n    detail\n      deeper\n    ^\n\n'), 'Failure in model x\ndetail\n  deeper');
    assert.equal(cleanMessage('Got 2 results, configured to fail if != 0'), 'Got 2 results, configured to fail if != 0');
  });

  it('finds paths and lines in messages', () => {
    assert.equal(pathInMessage('Compilation Error in model a (models/a.sql)\n  x'), 'models/a.sql');
    assert.equal(pathInMessage('Error reading shop: staging/_models.yml - Runtime Error'), 'staging/_models.yml');
    assert.equal(pathInMessage('Runtime Error\n  Database error'), undefined);
    assert.equal(lineInMessage('Expected an expression\n    line 7\n      {% if %}'), 6);
    assert.equal(lineInMessage('no line here'), undefined);
    assert.equal(resolveProjectFile('/p', 'staging/a.yml', { exists: (path) => path === join('/p', 'models', 'staging/a.yml') }), join('/p', 'models', 'staging/a.yml'));
    assert.equal(resolveProjectFile('/p', 'staging/a.yml'), join('/p', 'staging/a.yml'));
    assert.equal(resolveProjectFile('/p', '/abs/a.sql'), '/abs/a.sql');
  });

  it('locates YAML entries step by step, falling back to the deepest found', () => {
    const yaml = ['models:', '  - name: a', '    columns:', '      - name: id', '        data_tests: [unique]', '  - name: b', '    columns:', '      - name: "id"', '        data_tests:', '          - dbt_utils.unique_combination:', '          - unique'].join('\n');
    assert.equal(locateInYaml(yaml, ['b', 'id'], 'unique'), 10);
    assert.equal(locateInYaml(yaml, ['b', 'id'], 'unique_combination'), 9);
    assert.equal(locateInYaml(yaml, ['b', 'missing'], 'unique'), 5);
    assert.equal(locateInYaml(yaml, ['a', 'id'], 'not_null'), 3);
    assert.equal(locateInYaml(yaml, ['nothing']), undefined);
  });

  it('uses a quoted database line only when it is unambiguous', () => {
    const source = 'select *\nfrom a\nwhere x = 1\nfrom a';
    assert.equal(locateQuotedLine(source, 'Parser Error\nLINE 30: where x = 1'), 2);
    assert.equal(locateQuotedLine(source, 'LINE 30: from a'), undefined);
    assert.equal(locateQuotedLine(source, 'no quote'), undefined);
  });
});

describe('dbt run verdict', () => {
  const events = parseLogLines(read('build-failures.log.jsonl'));
  const tracker = new ProgressTracker('build');
  tracker.applyAll(events);
  const progress = tracker.snapshot();
  const results = parseRunResults(read('build-failures.run_results.json'));
  const label = 'dbt build --select stg_promos+ stg_orders assert_always_fails';

  it('summarises a failed build and lists its problems', () => {
    const analysis = analyzeRun({ label, projectDir: PROJECT, exitCode: 1, progress, results, manifest: parseManifest(read('manifest.json')) });
    assert.equal(analysis.status, 'failed');
    assert.deepEqual(analysis.counts, { passed: 13, warned: 1, failed: 6, skipped: 14, total: 34 });
    assert.match(analysis.summary, /^dbt build --select stg_promos\+ stg_orders assert_always_fails: 13 passed, 1 warned, 6 failed, 14 skipped in \d+\.\d s$/);
    assert.equal(analysis.problems.length, 7);
  });

  it('ignores results left by an earlier run', () => {
    const stale = { ...results, invocationId: 'an-earlier-run' };
    assert.equal(resultsBelongToRun(stale, progress), false);
    assert.equal(resultsBelongToRun(results, progress), true);
    const parse = new ProgressTracker('build');
    parse.applyAll(parseLogLines(read('missing-ref.log.jsonl')));
    const analysis = analyzeRun({ label: 'dbt build', projectDir: PROJECT, exitCode: 2, progress: parse.snapshot(), results });
    assert.equal(analysis.status, 'failed');
    assert.equal(analysis.summary, 'dbt build failed: Compilation Error');
    assert.equal(analysis.counts.total, 0);
    assert.equal(analysis.problems.length, 1);
  });

  it('says when dbt did not even start, and when it was stopped', () => {
    const nothing = new ProgressTracker('run').snapshot();
    const failed = analyzeRun({ label: 'dbt run', projectDir: PROJECT, exitCode: 127, progress: nothing });
    assert.equal(failed.status, 'failed');
    assert.match(failed.summary, /^dbt run did not run: dbt exited with code 127 before writing its log/);
    const stopped = analyzeRun({ label: 'dbt run', projectDir: PROJECT, exitCode: 130, progress: tracker.snapshot(), cancelled: true });
    assert.equal(stopped.status, 'cancelled');
    assert.match(stopped.summary, /^dbt run was stopped after 34 of 34 nodes/);
    const green = analyzeRun({ label: 'dbt run', projectDir: PROJECT, exitCode: 0, progress: { ...progress, counts: { passed: 3, warned: 0, failed: 0, skipped: 0, total: 3 } }, wallSeconds: 2 });
    assert.equal(green.status, 'passed');
    assert.deepEqual(green.problems, []);
  });
});

describe('dbt problems of a model broken under a unit test', () => {
  const project = '/tmp/jaffle';
  const modelSql = "with orders as (\n    select * from {{ ref('stg_orders') }}\n),\n\nfinal as (\n    select order_id, customer_id,, amount\n    from orders\n)\n\nselect * from final\n";
  const manifest = parseManifest({
    metadata: { project_name: 'jaffle' },
    nodes: { 'model.jaffle.orders': { resource_type: 'model', unique_id: 'model.jaffle.orders', name: 'orders', original_file_path: 'models/orders.sql', schema: 'main', fqn: ['jaffle', 'orders'] } },
    unit_tests: {
      'unit_test.jaffle.orders.test_amounts': {
        unique_id: 'unit_test.jaffle.orders.test_amounts',
        name: 'test_amounts',
        model: 'orders',
        original_file_path: 'models/schema.yml',
        depends_on: { nodes: ['model.jaffle.orders'] },
      },
    },
  });
  const files: ProblemFiles = {
    read: (path) => (path === join(project, 'models/orders.sql') ? modelSql : path === join(project, 'models/schema.yml') ? 'unit_tests:\n  - name: test_amounts\n    model: orders\n' : undefined),
    exists: (path) => path === join(project, 'models/orders.sql') || path === join(project, 'models/schema.yml'),
  };
  const run = (message: string) =>
    problemsFromRun({
      projectDir: project,
      manifest,
      files,
      results: parseRunResults({
        metadata: {},
        results: [
          { unique_id: 'unit_test.jaffle.orders.test_amounts', status: 'error', message },
          { unique_id: 'model.jaffle.orders', status: 'skipped' },
        ],
      }),
    });

  it('reports the error at the model SQL line the database quotes, beside the unit test entry', () => {
    const problems = run('Runtime Error in unit_test test_amounts (models/schema.yml)\n  Parser Error: syntax error at or near ","\n\n  LINE 14:     select order_id, customer_id,, amount\n                                          ^');
    assert.deepEqual(problems.map((problem) => [problem.file, problem.line]), [
      [join(project, 'models/schema.yml'), 1],
      [join(project, 'models/orders.sql'), 5],
    ]);
    assert.match(problems[1]?.message ?? '', /syntax error.*\n.*found by unit test test_amounts; dbt skipped orders/s);
    assert.equal(problems[1]?.uniqueId, 'model.jaffle.orders');
  });

  it('leaves an error of the unit test itself (its fixture rows) at the test only', () => {
    const problems = run("Runtime Error in unit_test test_amounts (models/schema.yml)\n  Conversion Error: Could not convert string 'x' to INT32\n\n  LINE 3: select cast('x' as integer) as amount");
    assert.deepEqual(problems.map((problem) => problem.file), [join(project, 'models/schema.yml')]);
  });
});
