import { strict as assert } from 'node:assert';
import { civilFromDays, daysFromCivil, LaFormatter, laMonthStart, laOffsetMinutes, laWallClockToEpoch, nextMonth } from '../../src/core/time';

/** Independent oracle: the platform's time-zone database. */
const intl = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
function intlWallClock(epochMs: number): string {
  const parts = Object.fromEntries(intl.formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

describe('Los Angeles time', () => {
  it('round-trips civil dates', () => {
    for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [2021, 3, 14], [2026, 12, 31], [2100, 3, 1]] as const) {
      assert.deepEqual(civilFromDays(daysFromCivil(y, m, d)), [y, m, d]);
    }
  });

  it('switches to daylight time at 10:00 UTC on the second Sunday of March', () => {
    assert.equal(laOffsetMinutes(Date.UTC(2026, 2, 8, 9, 59, 59)), -480);
    assert.equal(laOffsetMinutes(Date.UTC(2026, 2, 8, 10, 0, 0)), -420);
    assert.equal(laOffsetMinutes(Date.UTC(2021, 2, 14, 10, 0, 0)), -420);
  });

  it('switches back at 09:00 UTC on the first Sunday of November', () => {
    assert.equal(laOffsetMinutes(Date.UTC(2026, 10, 1, 8, 59, 59)), -420);
    assert.equal(laOffsetMinutes(Date.UTC(2026, 10, 1, 9, 0, 0)), -480);
  });

  it('agrees with the platform time-zone database on 20,000 random instants', () => {
    const format = new LaFormatter();
    const start = Date.UTC(2007, 0, 1);
    const span = Date.UTC(2040, 0, 1) - start;
    let seed = 12345;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const instant = start + Math.floor((seed / 2 ** 32) * span / 1000) * 1000;
      assert.equal(format.wallClock(instant), intlWallClock(instant), new Date(instant).toISOString());
    }
  });

  it('formats timestamp_tz with the offset of the instant', () => {
    const format = new LaFormatter();
    assert.equal(format.timestampTz(Date.UTC(2021, 1, 10, 16, 13, 15)), '2021-02-10 08:13:15-08:00');
    assert.equal(format.timestampTz(Date.UTC(2021, 6, 1, 19, 0, 0)), '2021-07-01 12:00:00-07:00');
    // The repeated hour of November: same wall clock, two offsets.
    assert.equal(format.timestampTz(Date.UTC(2021, 10, 7, 8, 30)), '2021-11-07 01:30:00-07:00');
    assert.equal(format.timestampTz(Date.UTC(2021, 10, 7, 9, 30)), '2021-11-07 01:30:00-08:00');
  });

  it('converts wall-clock time back to instants, standard time when the clock repeats', () => {
    assert.equal(laWallClockToEpoch(2021, 1, 1, 12, 0, 0), Date.UTC(2021, 0, 1, 20, 0, 0));
    assert.equal(laWallClockToEpoch(2021, 7, 1, 12, 0, 0), Date.UTC(2021, 6, 1, 19, 0, 0));
    assert.equal(laWallClockToEpoch(2021, 11, 7, 1, 30, 0), Date.UTC(2021, 10, 7, 9, 30, 0));
    assert.equal(laWallClockToEpoch(2021, 3, 14, 3, 30, 0), Date.UTC(2021, 2, 14, 10, 30, 0));
  });

  it('names months in Los Angeles time', () => {
    // 2026-03-01 05:00 UTC is still February in Los Angeles.
    assert.equal(laMonthStart(Date.UTC(2026, 2, 1, 5, 0)), '2026-02-01');
    assert.equal(laMonthStart(Date.UTC(2026, 2, 1, 9, 0)), '2026-03-01');
    assert.equal(nextMonth('2026-12-01'), '2027-01-01');
    assert.equal(nextMonth('2026-01-01'), '2026-02-01');
  });

  it('refuses years before the 2007 rules', () => {
    assert.throws(() => laOffsetMinutes(Date.UTC(2006, 5, 1)), /before 2007/);
  });
});
