/** Plain-text tables and counts for the CLI's summaries. */
import { BRONZE_TABLE_NAMES, type BronzeTableName } from '../core/bronze';

/** DuckDB decimals and other numeric value objects convert themselves to a double. */
const asNumber = (value: unknown): number | bigint | undefined => {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (value && typeof value === 'object' && 'toDouble' in value && typeof value.toDouble === 'function') return (value.toDouble as () => number)();
  return undefined;
};

/**
 * One cell. In a column holding any fraction (money) every number gets two decimals, so that
 * `223,245.00` and `463,813.75` line up and read alike; thousands are always separated.
 */
const cell = (raw: unknown, decimals: boolean): string => {
  if (raw === null || raw === undefined) return '';
  const value = asNumber(raw) ?? raw;
  if (typeof value === 'number') {
    return value.toLocaleString('en-US', decimals ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 0 });
  }
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  // DuckDB values (timestamps, decimals) render themselves through toString.
  return typeof value === 'string' ? value : (value as { toString(): string }).toString();
};

/** An aligned table; numbers right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => row[i] === null || asNumber(row[i]) !== undefined));
  const decimals = headers.map((_, i) => rows.some((row) => {
    const value = asNumber(row[i]);
    return typeof value === 'number' && !Number.isInteger(value);
  }));
  const text = rows.map((row) => headers.map((_, i) => cell(row[i], decimals[i] ?? false)));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]): string =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...text.map(line)].join('\n');
}

/** `12 batches`, `1 batch`: a count with its noun, thousands separated. */
export const plural = (count: number, singular: string, pluralForm = `${singular}s`): string =>
  `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;

/** `label  addresses 12 · users 40 · ...` for the bronze tables with rows. */
export function formatCounts(label: string, counts: Partial<Record<BronzeTableName, number>>): string {
  const parts = BRONZE_TABLE_NAMES.filter((name) => (counts[name] ?? 0) > 0).map((name) => `${name} ${(counts[name] ?? 0).toLocaleString('en-US')}`);
  return `${label.padEnd(11)} ${parts.length > 0 ? parts.join(' · ') : 'no rows'}`;
}
