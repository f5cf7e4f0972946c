/**
 * Previews on Snowflake: the statements of warehouse/preview (dialect `snowflake`) run on the
 * shared session, cancellable (a closed preview cancels its query on the server), values made
 * JSON-safe and exact the way the DuckDB backend makes them.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { csvLine } from '../../core/csv';
import type { PreviewBackend } from '../preview';
import { decimalScale, type PreviewValue } from '../../core/values';
import { valueText } from '../values';
import type { SnowflakeSession } from './driver';

/** Significant digits a double holds exactly. */
const EXACT_DIGITS = 15;

/**
 * One Snowflake value (fetched as text for numbers, dates and semi-structured types) as the
 * preview shows it: NUMBER and FLOAT as numbers when a double keeps every digit, otherwise their
 * exact text; timestamps in the session's output format; VARIANT/OBJECT/ARRAY as JSON text.
 */
export function snowflakePreviewValue(value: unknown, type: string): PreviewValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.subarray(0, 1024).toString('hex')}`;
  const text = valueText(value);
  if (typeof value === 'object') return text;
  if (/^(NUMBER|DECIMAL|NUMERIC|FIXED)/i.test(type) || decimalScale(type) !== undefined) {
    const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
    const number = Number(text);
    return digits <= EXACT_DIGITS && Number.isFinite(number) ? number : text;
  }
  if (/^(FLOAT|DOUBLE|REAL)/i.test(type)) {
    const number = Number(text);
    return Number.isFinite(number) ? number : text;
  }
  return text;
}

/** A `PreviewBackend` over a Snowflake session (signed in on first use). */
export function createSnowflakePreviewBackend(session: () => Promise<SnowflakeSession>): PreviewBackend {
  return {
    dialect: 'snowflake',
    run: async (sql, signal) => {
      const result = await (await session()).execute(sql, { signal, asText: true });
      return { columns: result.columns, rows: result.rows.map((row) => previewRow(row, result.columns)) };
    },
    holdResult: async (sql, signal) => {
      const held = await (await session()).hold(sql, signal);
      return {
        columns: held.columns,
        rowCount: held.rowCount,
        id: held.queryId,
        read: async (start, end, readSignal) => (await held.read(start, end, readSignal)).map((row) => previewRow(row, held.columns)),
      };
    },
    exportCsv: async (sql, file, signal, options = {}) => {
      const out = createWriteStream(file, { encoding: 'utf8' });
      let written = 0;
      const write = async (line: string): Promise<void> => {
        if (!out.write(line)) await once(out, 'drain');
      };
      try {
        const { rows } = await (await session()).stream(
          sql,
          {
            onColumns: (columns) => write(csvLine(columns.map((column) => column.name))),
            onRow: async (row) => {
              await write(csvLine(row.map(csvValue)));
              written += 1;
              if (written % 10_000 === 0) options.onProgress?.({ rows: written });
            },
          },
          signal,
        );
        out.end();
        await once(out, 'close');
        return rows;
      } catch (error) {
        // Half a file is no export: a cancelled or failed one leaves none.
        out.destroy();
        await rm(file, { force: true });
        throw error;
      }
    },
  };
}

/** One row of a driver's result as the preview shows it. */
const previewRow = (row: readonly unknown[], columns: readonly { type: string }[]): PreviewValue[] => row.map((value, i) => snowflakePreviewValue(value, columns[i]?.type ?? ''));

/** A streamed value (numbers and dates arrive as text) as a CSV cell. */
const csvValue = (value: unknown): string | number | boolean | null =>
  value === null || value === undefined ? null : typeof value === 'boolean' || typeof value === 'number' ? value : valueText(value);
