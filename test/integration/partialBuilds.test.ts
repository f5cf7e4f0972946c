/**
 * dbt-sample under partial builds: after batches, bronze edits (a price period with an order in
 * it, deletions, an event and an order moved to another session or user, a batch appended
 * twice) and runs or builds of single models, `X+` and `+X` selections, the next plain
 * `dbt build` passes and equals a --full-refresh of the same bronze in every silver and gold
 * relation, row by row. A fixed sequence here; random ones: `npm run test:partial -- --seeds N`.
 * And the tree's "Build this model and downstream" passes after new batches.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbtArgs, type DbtTaskDefinition } from '../../src/dbt/command';
import { downstreamNames, parseManifest } from '../../src/dbt/manifest';
import { cli, tempDir } from '../support/cli';
import { dbt, passed } from '../support/dbt';
import { runSequence, type Step } from '../support/partialBuilds';

describe('dbt-sample under partial builds', function () {
  this.timeout(1_800_000);

  it('gives the silver and gold of a full refresh after a fixed interleaving of batches, edits and partial builds', async () => {
    const steps: Step[] = [
      { kind: 'batch', purchases: 150 },
      { kind: 'batch', purchases: 150 },
      // "Build this model and downstream" on stg_orders after two batches, then a plain build:
      // the gold models that also read stg_order_items once lost its rows for good.
      { kind: 'dbt', command: 'run', select: 'stg_orders+' },
      { kind: 'edit', edit: 'move_event' },
      { kind: 'edit', edit: 'move_order' },
      { kind: 'edit', edit: 'price' },
      { kind: 'edit', edit: 'delete' },
      { kind: 'dbt', command: 'build', select: '+fct_orders_products' },
      { kind: 'batch', purchases: 80 },
      { kind: 'edit', edit: 'duplicate' },
      { kind: 'dbt', command: 'run', select: 'user_session' },
      { kind: 'edit', edit: 'move_event' },
      { kind: 'dbt', command: 'build', select: 'stg_events+' },
      { kind: 'dbt', command: 'run', select: 'int_user_orders', fullRefresh: true },
    ];
    const result = await runSequence(tempDir('partial-builds'), 'fixed', steps);
    assert.equal(result.build.code, 0, `the plain build after the sequence: ${passed(result.build)}`);
    assert.equal(result.fullRefresh.code, 0, `the full refresh: ${passed(result.fullRefresh)}`);
    assert.deepEqual(result.diff.missing, []);
    assert.deepEqual(result.diff.differences, {}, `differences from a full refresh after:\n${result.steps.join('\n')}`);
    assert.ok(result.diff.relations.length >= 30, `compared ${result.diff.relations.length} relations`);
  });
});

describe('Build this model and downstream, as the tree runs it', function () {
  this.timeout(900_000);

  it('passes after new batches, where eager test selection fails against a parent it did not rebuild', () => {
    const dir = tempDir('tree-build');
    const file = join(dir, 'greenery.duckdb');
    const artefacts = join(dir, 'dbt');
    const init = cli(['init', '--history', '300', '--seed', 'tree-build', '--warehouse', file]);
    assert.equal(init.code, 0, init.stderr);
    const first = dbt(['build'], { warehouse: file, artefacts });
    assert.equal(first.code, 0, passed(first));
    for (let batch = 0; batch < 2; batch++) {
      const simulate = cli(['simulate', '--purchases', '100', '--upload', '--warehouse', file]);
      assert.equal(simulate.code, 0, simulate.stderr);
    }
    // The argv the tree's "Build this model and downstream" builds on stg_orders (src/commands/dbt.ts),
    // from the manifest of the first build.
    const manifest = parseManifest(readFileSync(join(artefacts, 'target', 'manifest.json'), 'utf8'));
    const tree: DbtTaskDefinition = { type: 'dbt', command: 'build', select: downstreamNames(manifest, 'model.greenery.stg_orders').join(' '), indirectSelection: 'cautious' };
    const words = dbtArgs(tree, { projectDir: '.' }).slice(0, 5);
    assert.ok(tree.select?.split(' ').includes('user_purchases'));
    // What the tree ran before: the graph operator alone, with dbt's eager test selection.
    const eager = dbt(['build', '--select', 'stg_orders+'], { warehouse: file, artefacts });
    const failed = eager.results.filter((entry) => entry.status === 'fail').map((entry) => entry.unique_id);
    assert.ok(
      failed.some((id) => id.startsWith('test.greenery.relationships_stg_orders_user_id__user_id__ref_stg_users_')),
      `with eager selection, new orders' users are missing from the stg_users that was not rebuilt: ${failed.join(', ')}`,
    );
    const cautious = dbt(words, { warehouse: file, artefacts });
    assert.equal(cautious.code, 0, passed(cautious));
    assert.ok(!cautious.results.some((entry) => entry.unique_id.includes('ref_stg_users_')), 'no test against the parent that was not rebuilt');
    assert.ok(
      !cautious.results.some((entry) => /with_bronze|priced_as_sold/.test(entry.unique_id)),
      'no test reading bronze, which the selection did not rebuild from',
    );
    assert.ok(cautious.results.some((entry) => entry.unique_id === 'model.greenery.user_purchases'), 'the models downstream were built');
    assert.ok(cautious.results.filter((entry) => entry.unique_id.startsWith('test.')).length > 30, 'the selected models are tested');
    // and the next plain build brings everything back in line
    const build = dbt(['build'], { warehouse: file, artefacts });
    assert.equal(build.code, 0, passed(build));
  });
});
