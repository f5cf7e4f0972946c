/**
 * dbt-sample under partial builds: after batches, bronze edits (a price period with an order in
 * it, deletions, an event and an order moved to another session or user, a batch appended
 * twice) and runs or builds of single models, `X+` and `+X` selections, the next plain
 * `dbt build` passes and equals a --full-refresh of the same bronze in every silver and gold
 * relation, row by row. A fixed sequence here; random ones: `npm run test:partial -- --seeds N`.
 */
import { strict as assert } from 'node:assert';
import { tempDir } from '../support/cli';
import { passed } from '../support/dbt';
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
