/**
 * The exactly-once property, checked on a real warehouse file against its ledger, its outbox and
 * its simulation state (read from disk the way the next run would read it):
 *
 * - no key twice in one sync (an event id at most once in all of bronze; any other table's key
 *   at most once per `_fivetran_synced`);
 * - the ledger's row counts add up to bronze's, table by table;
 * - the ledger ends where the state says (nothing beyond it, nothing it loaded missing), and the
 *   pending batches follow it; nothing half-written survives a command that completed;
 * - once everything pending is uploaded: one order per purchase the state counted, every open
 *   order of the state in bronze and still open there, every customer of the state in bronze.
 */
import { strict as assert } from 'node:assert';
import { BRONZE_TABLE_NAMES, BRONZE_TABLES } from '../../src/core/bronze';
import { batchPosition } from '../../src/outbox/outbox';
import { SimulationStore } from '../../src/outbox/store';
import { agreement } from '../../src/pipeline/agreement';
import { allCustomers } from '../../src/simulator/state';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';

export interface Census {
  /** Purchases the state counts. */
  purchases: number;
  /** Distinct orders in bronze. */
  orders: number;
  /** Rows sharing a key within one sync, over all tables (must be 0). */
  duplicates: number;
  /** Purchases the state counts that bronze lacks once nothing is pending (must be 0, or the discarded ones). */
  lost: number;
  batches: number;
  pending: number;
}

const num = (value: unknown): number => Number(value ?? 0);

/** Checks the invariants; `settled` when the outbox must be empty (after a clean upload). */
export async function assertExactlyOnce(
  file: string,
  options: { settled?: boolean; discardedPurchases?: number; afterCrash?: boolean } = {},
): Promise<Census> {
  const store = SimulationStore.forWarehouseFile(file);
  const state = store.loadState();
  assert.ok(state, 'a simulation state exists');
  const pending = store.outbox.pendingIds();
  const quarantined = store.outbox.quarantinedIds();
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    let duplicates = 0;
    for (const table of BRONZE_TABLE_NAMES) {
      const key = BRONZE_TABLES[table].key.join(', ');
      const scope = table === 'events' ? key : `${key}, _fivetran_synced`;
      const [row] = await warehouse.rows(`select count(*) - count(distinct (${scope})) from bronze.${table}`);
      const twice = num(row?.[0]);
      assert.equal(twice, 0, `bronze.${table}: ${twice} rows repeat a key within one sync`);
      duplicates += twice;
    }
    const counts = await warehouse.bronzeRowCounts();
    const ledgerRows = await warehouse.rows('select row_counts, purchases from bronze._medallion_batches');
    const fromLedger = Object.fromEntries(BRONZE_TABLE_NAMES.map((name) => [name, 0])) as Record<string, number>;
    let ledgerPurchases = 0;
    for (const [text, purchases] of ledgerRows) {
      const rows = JSON.parse(String(text)) as Record<string, number>;
      for (const name of BRONZE_TABLE_NAMES) fromLedger[name] = (fromLedger[name] ?? 0) + (rows[name] ?? 0);
      ledgerPurchases += num(purchases);
    }
    assert.deepEqual(counts, fromLedger, 'the ledger accounts for every bronze row');
    const top = await warehouse.ledgerTop();
    const staged = store.outbox.stagedIds();
    const verdict = agreement({ state, ledger: top, pending, quarantined, staged });
    assert.ok(verdict.ok, `the state and the warehouse agree: ${verdict.ok ? '' : verdict.problem}`);
    assert.ok(top.maxPosition <= state.batches, 'nothing in the ledger beyond the state');
    for (const id of pending) assert.ok((batchPosition(id) ?? 0) > top.maxPosition || id === top.topId, `pending batch ${id} follows the ledger's ${String(top.topId)}`);
    // A crash leaves what it was writing; any command that completes leaves nothing.
    if (!options.afterCrash) assert.deepEqual(staged, [], 'no half-written batch survives a command');
    const [orderRow] = await warehouse.rows('select count(distinct order_id) from bronze.orders');
    const orders = num(orderRow?.[0]);
    const discarded = options.discardedPurchases ?? 0;
    const census: Census = { purchases: state.totals.purchases, orders, duplicates, lost: 0, batches: top.batches, pending: pending.length };
    if (options.settled) {
      assert.deepEqual(pending, [], 'nothing pending');
      census.lost = state.totals.purchases - orders;
      assert.equal(orders, state.totals.purchases - discarded, 'one order in bronze per purchase the state counted');
      assert.equal(ledgerPurchases, state.totals.purchases - discarded, "the ledger's purchases are the state's");
      assert.equal(top.maxPosition, state.batches, 'the ledger ends with the state\'s last batch');
      if (discarded === 0) {
        const open = new Map([...state.openOrders.tuples()].map((order) => [order[0], order[9]]));
        const latest = await warehouse.rows(
          `select order_id, status from bronze.orders qualify row_number() over (partition by order_id order by _fivetran_synced desc) = 1`,
        );
        const inBronze = new Map(latest.map(([id, status]) => [String(id), String(status)]));
        for (const [id, status] of open) assert.equal(inBronze.get(id), status, `open order ${id} is in bronze as ${status}`);
        const users = new Set((await warehouse.rows('select distinct user_id from bronze.users')).map(([id]) => String(id)));
        for (const customer of allCustomers(state)) assert.ok(users.has(customer.userId), `customer ${customer.userId} is in bronze`);
      }
    }
    return census;
  } finally {
    await warehouse.close();
  }
}
