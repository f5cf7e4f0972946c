import { strict as assert } from 'node:assert';
import { Random } from '../../src/core/random';
import { laWallClockToEpoch } from '../../src/core/time';
import { splitIntoBatches } from '../../src/pipeline/operations';
import { ClockAheadError, createState, planLiveRun, simulateBatch } from '../../src/simulator/simulator';
import { CollectingSink, type Row } from '../support/collect';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1, 17, 30, 12, 345);
const instant = (text: unknown): number => Date.parse(String(text).replace(' ', 'T'));
/** An events.created_at (Los Angeles wall clock): its earliest reading (the repeated hour of November reads two ways). */
function wallClock(text: unknown): number {
  const [date, time] = String(text).split(' ') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
  return Math.min(laWallClockToEpoch(y, m, d, hh, mm, ss), Date.UTC(y, m - 1, d, hh, mm, ss) + 7 * 3_600_000);
}

/** Every moment a row says something happened (estimated deliveries and budget months are plans, not events). */
function happenings(sink: CollectingSink): Array<[string, number]> {
  const moments: Array<[string, number]> = [];
  const add = (what: string, rows: Row[], columns: string[], read: (text: unknown) => number): void => {
    for (const row of rows) for (const column of columns) if (row[column] !== null && row[column] !== undefined) moments.push([`${what}.${column}`, read(row[column])]);
  };
  add('events', sink.rows.events, ['created_at'], wallClock);
  add('orders', sink.rows.orders, ['created_at', 'delivered_at'], instant);
  add('users', sink.rows.users, ['created_at', 'updated_at'], instant);
  return moments;
}

describe('a live simulation keeps to the wall clock', function () {
  this.timeout(60_000);

  it('creates and syncs nothing after the moment of its upload, syncs no row before it happened: seeded runs of live batches', () => {
    for (let seed = 0; seed < 8; seed++) {
      const random = new Random(`live-${seed}`);
      const state = createState({ seed: `live-${seed}`, start: NOW - 14 * DAY, purchasesPerHour: 15 });
      let now = NOW;
      let lastSynced = state.lastSyncedAt;
      for (let run = 0; run < 6; run++) {
        // The next run comes seconds to hours later; runs of a few purchases or bursts of thousands.
        now += random.chance(0.3) ? random.int(0, 5) * 1000 + random.int(0, 999) : random.int(1, 600) * 60_000;
        const sizes = splitIntoBatches(random.int(0, 2000), random.int(300, 900), state.batches === 0);
        const clockBefore = state.clock;
        let plan = planLiveRun(state, sizes, now);
        // Each batch needs a second of its own: the run waits for the clock, never runs ahead of it.
        if (plan.waitMs > 0) {
          now += plan.waitMs;
          plan = planLiveRun(state, sizes, now);
        }
        assert.equal(plan.waitMs, 0);
        const natural = (sizes.reduce((sum, n) => sum + n, 0) / state.purchasesPerHour) * 3_600_000;
        assert.equal(plan.squeezed, natural > Math.floor(now / 1000) * 1000 - clockBefore, 'squeezed exactly when the rate does not fit the time since the last batch');
        sizes.forEach((purchases, k) => {
          const sink = new CollectingSink();
          const { summary } = simulateBatch(state, { purchases, window: plan.windows[k] }, sink);
          const uploadedAt = now;
          assert.ok(summary.syncedAt <= uploadedAt, `seed ${seed}: synced ${new Date(summary.syncedAt).toISOString()} after its upload at ${new Date(uploadedAt).toISOString()}`);
          assert.ok(summary.syncedAt > lastSynced, 'every sync after the last');
          assert.equal(summary.syncedAt % 1000, 0, 'syncs on whole seconds');
          lastSynced = summary.syncedAt;
          for (const [what, at] of happenings(sink)) {
            assert.ok(at <= summary.syncedAt, `seed ${seed}: ${what} ${new Date(at).toISOString()} after its sync ${new Date(summary.syncedAt).toISOString()}`);
            assert.ok(at <= uploadedAt, `${what} after the upload`);
          }
          const synced = new Set(Object.values(sink.rows).flat().map((row) => instant(row._fivetran_synced)));
          assert.deepEqual([...synced], synced.size === 0 ? [] : [summary.syncedAt]);
        });
        assert.ok(state.clock <= now, 'the clock never passes the wall clock');
      }
    }
  });

  it('squeezes a burst larger than the time since the last batch into that time, and says so', () => {
    const state = createState({ seed: 'burst', start: NOW - 60_000, purchasesPerHour: 15 });
    const plan = planLiveRun(state, [20_000, 20_000], NOW);
    assert.equal(plan.squeezed, true);
    assert.equal(plan.windows[0]?.from, state.clock);
    assert.equal(plan.windows[1]?.to, Math.floor(NOW / 1000) * 1000);
    assert.ok(plan.naturalMs > 100 * DAY && plan.spanMs <= 60_000);
    // Quiet since: the purchases take the last hours before now, at the shop's rate.
    const quiet = planLiveRun(createState({ seed: 'quiet', start: NOW - 30 * DAY, purchasesPerHour: 15 }), [150], NOW);
    assert.equal(quiet.squeezed, false);
    assert.equal(quiet.spanMs, 10 * 3_600_000);
  });

  it('refuses to run ahead of the wall clock: a clock left ahead by --fast-forward is an error that says what to do', () => {
    const state = createState({ seed: 'ahead', start: NOW + 2.7 * DAY });
    assert.throws(() => planLiveRun(state, [1000], NOW), (error: unknown) => error instanceof ClockAheadError && /2 days 16 h ahead of now.*run with --fast-forward/.test(error.message));
  });
});
