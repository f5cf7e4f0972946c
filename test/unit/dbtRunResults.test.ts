import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countResults, describeNodes, formatDuration, formatRunSummary, parseFreshnessResults, parseRunResults, statusOutcome } from '../../src/dbt/runResults';

const FIXTURES = join(__dirname, '..', 'fixtures', 'dbt-logs');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('dbt run results', () => {
  // dbt build --select stg_promos+ stg_orders assert_always_fails, with a broken stg_promos (capture.mjs).
  const run = parseRunResults(read('build-failures.run_results.json'));

  it('reads the run: id, timing and command', () => {
    assert.equal(run.kind, 'run');
    assert.equal(run.invocationId, 'e754a28a-8da7-44f5-b85f-56e41e8a297b');
    assert.equal(run.dbtVersion, '1.11.16');
    assert.equal(run.command, 'build');
    assert.ok(run.elapsedTime !== undefined && run.elapsedTime > 0 && run.elapsedTime < 60);
    assert.match(run.generatedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(run.results.length, 34);
  });

  it('gives each node its status, message, failures and timing', () => {
    const model = run.byId.get('model.greenery.stg_promos');
    assert.equal(model?.status, 'error');
    assert.equal(model?.outcome, 'failed');
    assert.match(model?.message ?? '', /Parser Error: syntax error at or near "is_no_promo"/);
    assert.equal(model?.failures, undefined);
    const test = run.byId.get('test.greenery.accepted_values_stg_orders_shipping_service__ups__usps.bb198ab089');
    assert.equal(test?.status, 'fail');
    assert.equal(test?.failures, 2);
    assert.equal(test?.message, 'Got 2 results, configured to fail if != 0');
    assert.ok(test?.startedAt && test.completedAt && test.startedAt <= test.completedAt);
    const warn = run.byId.get('test.greenery.not_null_stg_orders_promo_name.e92658b5c4');
    assert.equal(warn?.outcome, 'warned');
    assert.equal(warn?.failures, 243);
    const skipped = run.byId.get('model.greenery.dim_promos');
    assert.equal(skipped?.outcome, 'skipped');
    assert.equal(skipped?.startedAt, undefined);
    assert.equal(run.byId.get('model.greenery.stg_orders')?.outcome, 'passed');
  });

  it('counts outcomes the way dbt does', () => {
    // dbt's own line for this run: PASS=13 WARN=1 ERROR=6 SKIP=14 TOTAL=34
    assert.deepEqual(countResults(run.results), { passed: 13, warned: 1, failed: 6, skipped: 14, total: 34 });
  });

  it('reads source freshness from sources.json', () => {
    const freshness = parseFreshnessResults(read('freshness.sources.json'));
    assert.equal(freshness.kind, 'freshness');
    assert.equal(freshness.results.length, 8);
    const orders = freshness.byId.get('source.greenery.sql_server_dbo.orders');
    assert.equal(orders?.status, 'error');
    assert.equal(orders?.outcome, 'failed');
    assert.ok(orders?.ageSeconds !== undefined && orders.ageSeconds > 72 * 3600);
    assert.match(orders?.maxLoadedAt ?? '', /^2025-01-/);
    assert.deepEqual(orders?.errorAfter, { count: 72, period: 'hour' });
    assert.deepEqual(orders?.warnAfter, { count: 24, period: 'hour' });
    const failed = parseFreshnessResults({ results: [{ unique_id: 'source.p.s.t', status: 'runtime error', error: 'Catalog Error: no table' }] });
    assert.equal(failed.results[0]?.message, 'Catalog Error: no table');
    assert.equal(failed.results[0]?.outcome, 'failed');
  });

  it('maps every dbt status', () => {
    assert.deepEqual(
      ['success', 'pass', 'OK', 'no-op', 'warn', 'error', 'fail', 'runtime error', 'partial success', 'skipped', 'reused', undefined].map(statusOutcome),
      ['passed', 'passed', 'passed', 'passed', 'warned', 'failed', 'failed', 'failed', 'failed', 'skipped', 'other', 'other'],
    );
  });

  it('tolerates incomplete files', () => {
    assert.equal(parseRunResults({}).results.length, 0);
    assert.equal(parseRunResults('{"results": [{"status": "success"}, 3, {"unique_id": "model.p.a"}]}').results.length, 1);
    assert.equal(parseRunResults({ results: [{ unique_id: 'model.p.a' }] }).results[0]?.status, 'unknown');
    assert.throws(() => parseRunResults('{"results": ['), SyntaxError);
  });

  it('summarises a run in one line', () => {
    assert.equal(formatRunSummary('dbt build', { passed: 41, warned: 0, failed: 2, skipped: 1, total: 44 }, 12.34), 'dbt build: 41 passed, 2 failed, 1 skipped in 12.3 s');
    assert.equal(formatRunSummary('dbt test', { passed: 9, warned: 1, failed: 0, skipped: 0, total: 10 }, 0.04), 'dbt test: 9 passed, 1 warned in 0.0 s');
    assert.equal(formatRunSummary('dbt seed', { passed: 0, warned: 0, failed: 0, skipped: 0, total: 0 }), 'dbt seed: 0 passed');
    assert.equal(formatDuration(125.4), '2 min 05 s');
    assert.equal(formatDuration(59.94), '59.9 s');
  });

  it('says what a run went through, by kind of node', () => {
    const ids = (...uniqueIds: string[]) => uniqueIds.map((uniqueId) => ({ uniqueId }));
    assert.equal(
      describeNodes(ids('model.p.a', 'model.p.b', 'snapshot.p.s', 'test.p.t1', 'test.p.t2', 'unit_test.p.a.u', 'operation.p.hook')),
      '2 models, 1 snapshot, 2 data tests and 1 unit test',
    );
    assert.equal(describeNodes(ids('model.p.a', 'test.p.t')), '1 model and 1 data test');
    assert.equal(describeNodes(ids('seed.p.x')), '1 seed');
    assert.equal(describeNodes([]), '');
  });
});
