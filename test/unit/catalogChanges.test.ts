import { strict as assert } from 'node:assert';
import { createState, planLiveRun, simulateBatch } from '../../src/simulator/simulator';
import { CollectingSink, type Row } from '../support/collect';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const instant = (text: unknown): number => Date.parse(String(text).replace(' ', 'T'));

/** Half a year of a quiet shop (one purchase an hour), batch by batch. */
function halfYear(seed: string): CollectingSink[] {
  const state = createState({ seed, start: START, purchasesPerHour: 1 });
  const sinks: CollectingSink[] = [];
  for (let i = 0; i < 24; i++) {
    const sink = new CollectingSink();
    simulateBatch(state, { purchases: 180 }, sink);
    sinks.push(sink);
  }
  return sinks;
}

describe('the simulator changes what a real shop changes', function () {
  // Generous: seeded runs of 100k+ purchases on a shared, loaded machine (about 25 s when idle).
  this.timeout(300_000);
  const runs = ['a', 'b', 'c'].map(halfYear);
  const months = (sinks: CollectingSink[]): number => {
    const synced = sinks.flatMap((sink) => sink.rows.products.map((row) => instant(row._fivetran_synced)));
    return (Math.max(...synced) - START) / (30 * DAY);
  };

  it('changes prices a few times a month, each change a new product version', () => {
    for (const sinks of runs) {
      const last = new Map<string, number>();
      let changes = 0;
      for (const row of sinks.flatMap((sink) => sink.rows.products)) {
        const before = last.get(String(row.product_id));
        if (before !== undefined && before !== row.price) changes += 1;
        last.set(String(row.product_id), row.price as number);
      }
      const perMonth = changes / months(sinks);
      assert.ok(perMonth >= 1 && perMonth <= 12, `${perMonth.toFixed(1)} price changes a month`);
    }
  });

  it('sells at the price bronze says was in force: every order_cost equals its lines priced by the versions synced before it', () => {
    // dbt-sample prices a line with the product version in force when the order was placed: a
    // version holds from the sync that delivered it (the source records no change time), the
    // first one also before it. So a price may only change where bronze can see it: never inside
    // the batch that first delivers the product. Checked over half-year runs and over bootstraps
    // (one large first batch, as init and the extension's Bootstrap make) of many seeds.
    const bootstraps = Array.from({ length: 12 }, (_, n) => {
      const state = createState({ seed: `bootstrap-${n}`, start: START, purchasesPerHour: 15 });
      const first = new CollectingSink();
      simulateBatch(state, { purchases: 5000 }, first);
      const next = new CollectingSink();
      simulateBatch(state, { purchases: 250 }, next);
      return [first, next];
    });
    // Live runs sync each batch at its window's end, and a squeezed burst puts checkouts in the
    // very second of that sync: a price changed at a sync must still not reach the orders of
    // the batch it ends (the bench's 1M-purchase live burst found 42 such orders).
    const live = Array.from({ length: 3 }, (_, n) => {
      const state = createState({ seed: `live-${n}`, start: START, purchasesPerHour: 15 });
      const plan = planLiveRun(state, Array.from({ length: 8 }, () => 1500), START + 400 * DAY);
      return plan.windows.map((window) => {
        const sink = new CollectingSink();
        simulateBatch(state, { purchases: 1500, window }, sink);
        return sink;
      });
    });
    let orders = 0;
    for (const sinks of [...runs, ...bootstraps, ...live]) {
      const versions = new Map<string, Array<{ synced: number; cents: number }>>();
      for (const row of sinks.flatMap((sink) => sink.rows.products)) {
        const list = versions.get(String(row.product_id)) ?? [];
        list.push({ synced: instant(row._fivetran_synced), cents: Math.round((row.price as number) * 100) });
        versions.set(String(row.product_id), list);
      }
      const priceAt = (product: string, at: number): number => {
        const list = versions.get(product);
        assert.ok(list?.length, `product ${product} is in bronze`);
        return [...list].reverse().find((version) => version.synced <= at)?.cents ?? (list[0] as { cents: number }).cents;
      };
      const placed = new Map<string, number>();
      const cost = new Map<string, number>();
      for (const order of sinks.flatMap((sink) => sink.rows.orders)) {
        placed.set(String(order.order_id), instant(order.created_at));
        cost.set(String(order.order_id), Math.round((order.order_cost as number) * 100));
      }
      const lines = new Map<string, number>();
      for (const item of sinks.flatMap((sink) => sink.rows.order_items)) {
        const id = String(item.order_id);
        lines.set(id, (lines.get(id) ?? 0) + priceAt(String(item.product_id), placed.get(id) as number) * (item.quantity as number));
      }
      for (const [id, total] of lines) {
        assert.equal(total, cost.get(id), `order ${id}: its lines priced as bronze says vs its order_cost`);
        orders++;
      }
    }
    assert.ok(orders > 80_000, `${orders} orders checked`);
  });

  it('discontinues plants (deleted at the source), never sells them again, and brings in new ones', () => {
    let discontinued = 0;
    for (const sinks of runs) {
      const ids = new Set(sinks[0]?.rows.products.map((row) => String(row.product_id)));
      sinks.forEach((sink, k) => {
        for (const row of sink.rows.products.filter((product) => product._fivetran_deleted === true)) {
          discontinued += 1;
          for (const later of sinks.slice(k + 1)) assert.ok(!later.rows.order_items.some((item) => item.product_id === row.product_id), 'a discontinued plant is not sold');
          assert.ok(!budgetsAfter(sinks, k).some((budget) => budget.product_id === row.product_id), 'nor budgeted');
        }
      });
      const all = new Set(sinks.flatMap((sink) => sink.rows.products.map((row) => String(row.product_id))));
      assert.ok(all.size >= ids.size);
    }
    assert.ok(discontinued > 0, 'some plants were discontinued over a year and a half of shop');
  });

  it('starts promos, ends some, deletes old ones; an order only uses a promo active when it was placed', () => {
    let started = 0;
    let ended = 0;
    let deleted = 0;
    for (const sinks of runs) {
      const status = new Map<string, string>();
      sinks.forEach((sink, k) => {
        const activeBefore = new Set([...status].filter(([, value]) => value === 'active').map(([id]) => id));
        for (const order of sink.rows.orders) {
          if (order.promo_id !== '' && order.status === 'preparing' && k > 0) assert.ok(activeBefore.has(String(order.promo_id)), `promo ${String(order.promo_id)} was active`);
        }
        for (const promo of sink.rows.promos) {
          const id = String(promo.promo_id);
          if (k > 0 && !status.has(id)) started += 1;
          if (status.get(id) === 'active' && promo.status === 'inactive') ended += 1;
          if (promo._fivetran_deleted === true) deleted += 1;
          status.set(id, promo._fivetran_deleted === true ? 'deleted' : String(promo.status));
        }
      });
    }
    assert.ok(started > 3 && ended > 3 && deleted > 0, `started ${started}, ended ${ended}, deleted ${deleted}`);
  });

  it('deletes users who close their account; they never order again', () => {
    let closed = 0;
    for (const sinks of runs) {
      sinks.forEach((sink, k) => {
        for (const user of sink.rows.users.filter((row) => row._fivetran_deleted === true)) {
          closed += 1;
          for (const later of sinks.slice(k + 1)) {
            const placed = later.rows.events.filter((event) => event.event_type === 'checkout' && event.user_id === user.user_id);
            assert.deepEqual(placed, [], 'no new order by a closed account');
          }
        }
      });
    }
    assert.ok(closed > 0, 'some accounts were closed');
  });
});

function budgetsAfter(sinks: CollectingSink[], k: number): Row[] {
  return sinks.slice(k + 1).flatMap((sink) => sink.rows.budget);
}
