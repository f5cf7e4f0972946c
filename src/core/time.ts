/**
 * Los Angeles time without a time-zone database: the shop's raw data carries
 * America/Los_Angeles offsets (timestamp_tz) and LA wall-clock times (events.created_at).
 * US rules since 2007: daylight time from the second Sunday of March, 02:00 local
 * (10:00 UTC), to the first Sunday of November, 02:00 local (09:00 UTC).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date [year, month 1-12, day] of a day number since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Day of week of a day number, 0 = Sunday. */
const weekday = (days: number): number => (((days + 4) % 7) + 7) % 7;

/** The n-th Sunday (1-based) of a month, as a day number. */
function nthSunday(year: number, month: number, n: number): number {
  const first = daysFromCivil(year, month, 1);
  return first + ((7 - weekday(first)) % 7) + (n - 1) * 7;
}

const transitionCache = new Map<number, readonly [number, number]>();

/** UTC instants (ms) at which daylight time starts and ends in Los Angeles in a year. */
export function laDaylightSpan(year: number): readonly [number, number] {
  let span = transitionCache.get(year);
  if (!span) {
    if (year < 2007) throw new RangeError(`Los Angeles time before 2007 is not supported (year ${year})`);
    span = [nthSunday(year, 3, 2) * DAY_MS + 10 * HOUR_MS, nthSunday(year, 11, 1) * DAY_MS + 9 * HOUR_MS];
    transitionCache.set(year, span);
  }
  return span;
}

/** The Los Angeles UTC offset in minutes (-420 in daylight time, -480 otherwise) at an instant. */
export function laOffsetMinutes(epochMs: number): number {
  const [year] = civilFromDays(Math.floor(epochMs / DAY_MS));
  const [start, end] = laDaylightSpan(year);
  return epochMs >= start && epochMs < end ? -420 : -480;
}

/**
 * The UTC instant of a Los Angeles wall-clock time. Where the clock repeats (November) it is read
 * as standard time, the later instant, the same rule as dbt-sample's `local_to_utc` macro.
 */
export function laWallClockToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const asUtc = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
  const standard = asUtc + 480 * 60_000;
  if (laOffsetMinutes(standard) === -480) return standard;
  return asUtc + 420 * 60_000;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** Formats instants as Los Angeles local text, caching the date part (timestamps arrive mostly in order). */
export class LaFormatter {
  private cachedLocalDay = Number.NaN;
  private cachedDate = '';

  private localParts(epochMs: number): { local: number; offset: number } {
    const offset = laOffsetMinutes(epochMs);
    return { local: epochMs + offset * 60_000, offset };
  }

  private dateOf(localMs: number): string {
    const localDay = Math.floor(localMs / DAY_MS);
    if (localDay !== this.cachedLocalDay) {
      const [year, month, day] = civilFromDays(localDay);
      this.cachedLocalDay = localDay;
      this.cachedDate = `${year}-${pad2(month)}-${pad2(day)}`;
    }
    return this.cachedDate;
  }

  private clockOf(localMs: number): string {
    const secondOfDay = Math.floor((localMs - Math.floor(localMs / DAY_MS) * DAY_MS) / 1000);
    const hour = Math.floor(secondOfDay / 3600);
    const minute = Math.floor((secondOfDay % 3600) / 60);
    return `${pad2(hour)}:${pad2(minute)}:${pad2(secondOfDay % 60)}`;
  }

  /** `2021-02-10 08:13:15-08:00`: a timestamp_tz value with its Los Angeles offset. */
  timestampTz(epochMs: number): string {
    const { local, offset } = this.localParts(epochMs);
    return `${this.dateOf(local)} ${this.clockOf(local)}${offset === -420 ? '-07:00' : '-08:00'}`;
  }

  /** `2021-02-10 08:13:15`: Los Angeles wall-clock time without offset (events.created_at). */
  wallClock(epochMs: number): string {
    const { local } = this.localParts(epochMs);
    return `${this.dateOf(local)} ${this.clockOf(local)}`;
  }
}

/** `YYYY-MM-01` of the Los Angeles month containing an instant. */
export function laMonthStart(epochMs: number): string {
  const local = epochMs + laOffsetMinutes(epochMs) * 60_000;
  const [year, month] = civilFromDays(Math.floor(local / DAY_MS));
  return `${year}-${pad2(month)}-01`;
}

/** The month after a `YYYY-MM-01` month. */
export function nextMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 12 ? `${year + 1}-01-01` : `${year}-${pad2(mon + 1)}-01`;
}

export { DAY_MS, HOUR_MS };
