/**
 * Warehouse values as the preview shows them: JSON-safe (they cross `postMessage`), exact where
 * a double would lie, and the same text for every warehouse. Pure: `@duckdb/node-api` is imported
 * for its types only, so the extension bundle and the webview bundle can both load this file.
 *
 * Conversion rules (DuckDB):
 * - integers up to 2^53 and all floating point numbers are numbers; NaN and ±Infinity (JSON has no
 *   such numbers) and integers beyond 2^53 (BIGINT, HUGEINT, UBIGINT, ...) are their exact text;
 * - DECIMAL is a number when it has at most 15 significant digits (a double then keeps every one
 *   of them), otherwise its exact text, so `123456789012345678.91` is never shown rounded;
 * - DATE, TIME, TIMESTAMP, INTERVAL, UUID, ENUM, BIT: DuckDB's own text (`2024-01-02 03:04:05.5`,
 *   `0044-03-15 (BC)`, `infinity`);
 *   TIMESTAMP WITH TIME ZONE always in UTC with its offset (`2024-01-02 01:04:05+00`), whatever
 *   the time zone of the machine;
 * - BLOB: `\x` and lowercase hex, the first 1,024 bytes only (a preview is not a hex editor);
 * - LIST, ARRAY, STRUCT, MAP, UNION, VARIANT: JSON text of the same value (MAP as an object when
 *   its keys are text or numbers).
 */
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { civilFromDays } from '../core/time';
import type { PreviewValue } from '../core/values';

/** Any value a driver or a YAML file gives, as text: strings as they are, objects as JSON, nothing as ''. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** A count or figure a driver gives as number, bigint or text, as a number (nothing is 0). */
export const valueNumber = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : Number(value ?? 0));

/**
 * DuckDB type ids (`DuckDBTypeId` of @duckdb/node-api). Copied because that enum is a runtime
 * value and this file must not load the native module; a unit test checks they agree.
 */
export const DuckDbTypeIds = {
  BOOLEAN: 1,
  TINYINT: 2,
  SMALLINT: 3,
  INTEGER: 4,
  BIGINT: 5,
  UTINYINT: 6,
  USMALLINT: 7,
  UINTEGER: 8,
  UBIGINT: 9,
  FLOAT: 10,
  DOUBLE: 11,
  TIMESTAMP: 12,
  DATE: 13,
  TIME: 14,
  INTERVAL: 15,
  HUGEINT: 16,
  VARCHAR: 17,
  BLOB: 18,
  DECIMAL: 19,
  ENUM: 23,
  LIST: 24,
  STRUCT: 25,
  MAP: 26,
  UUID: 27,
  UNION: 28,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
  ARRAY: 33,
  BIGNUM: 35,
  SQLNULL: 36,
  VARIANT: 41,
} as const;

const T = DuckDbTypeIds;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
/** Bytes of a BLOB shown; the rest is summarised. */
export const BLOB_PREVIEW_BYTES = 1024;

/** A number JSON can carry, or its text. */
function finiteOrText(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** A bigint as a number when exact, else its text. */
function bigintValue(value: bigint): number | string {
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value.toString();
}

/** The shortest decimal that reads back as the same 32-bit float (FLOAT 1.1 shows 1.1, not 1.100000023841858). */
function float32Value(value: number): number | string {
  if (!Number.isFinite(value) || value === 0) return finiteOrText(value);
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return shorter;
  }
  return value;
}

interface DecimalLike {
  readonly value: bigint;
  readonly scale: number;
  toString(): string;
}

function decimalValue(decimal: DecimalLike): number | string {
  const text = decimal.toString();
  const magnitude = decimal.value < 0n ? -decimal.value : decimal.value;
  // At most 15 significant digits survive a double exactly (DBL_DIG).
  return magnitude.toString().length <= 15 ? Number(text) : text;
}

const MICROS_PER_DAY = 86_400_000_000n;
/** DuckDB's ±infinity timestamps: the largest and smallest int64 values. */
const TIMESTAMP_POS_INF = 2n ** 63n - 1n;
const TIMESTAMP_NEG_INF = -(2n ** 63n - 1n);

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** DuckDB's ±infinity dates: the largest and smallest int32 values. */
const DATE_POS_INF = 2 ** 31 - 1;
const DATE_NEG_INF = -(2 ** 31 - 1);

function civilDate(days: number): string {
  const [year, month, day] = civilFromDays(days);
  return year > 0 ? `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` : `${pad(1 - year, 4)}-${pad(month, 2)}-${pad(day, 2)} (BC)`;
}

/** A date in days since the epoch as DuckDB prints it: `2024-02-29`, `0044-03-15 (BC)`, `-infinity`. */
export function formatDateDays(days: number): string {
  if (days === DATE_POS_INF) return 'infinity';
  if (days === DATE_NEG_INF) return '-infinity';
  return civilDate(days);
}

/**
 * A timestamp in microseconds since the epoch as DuckDB prints it, in UTC:
 * `2024-01-02 03:04:05.123456` (fraction only when non-zero), `0044-03-15 (BC) 12:00:00`.
 */
export function formatTimestampMicros(micros: bigint, utcOffset = false): string {
  if (micros === TIMESTAMP_POS_INF) return 'infinity';
  if (micros === TIMESTAMP_NEG_INF) return '-infinity';
  let days = micros / MICROS_PER_DAY;
  let inDay = micros % MICROS_PER_DAY;
  if (inDay < 0n) {
    days -= 1n;
    inDay += MICROS_PER_DAY;
  }
  const date = civilDate(Number(days));
  const seconds = Number(inDay / 1_000_000n);
  const fraction = Number(inDay % 1_000_000n);
  const time = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  const fractionText = fraction === 0 ? '' : `.${pad(fraction, 6).replace(/0+$/, '')}`;
  return `${date} ${time}${fractionText}${utcOffset ? '+00' : ''}`;
}

function blobText(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, BLOB_PREVIEW_BYTES);
  let hex = '\\x';
  for (const byte of shown) hex += byte.toString(16).padStart(2, '0');
  return bytes.length > shown.length ? `${hex}… (${bytes.length.toLocaleString('en-US')} bytes)` : hex;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A nested value (LIST, STRUCT, ...) as plain JSON, leaves converted like cells. */
function jsonValue(value: DuckDBValue, type: DuckDBType): Json {
  if (value === null) return null;
  switch (type.typeId as number) {
    case T.LIST:
    case T.ARRAY: {
      const { valueType } = type as Extract<DuckDBType, { valueType: DuckDBType; length?: number }>;
      return (value as { items: readonly DuckDBValue[] }).items.map((item) => jsonValue(item, valueType));
    }
    case T.STRUCT: {
      const struct = type as Extract<DuckDBType, { entryNames: readonly string[] }>;
      const entries = (value as { entries: Readonly<Record<string, DuckDBValue>> }).entries;
      const out: Record<string, Json> = {};
      struct.entryNames.forEach((name, i) => {
        const entryType = struct.entryTypes[i];
        out[name] = entryType ? jsonValue(entries[name] ?? null, entryType) : null;
      });
      return out;
    }
    case T.MAP: {
      const map = type as Extract<DuckDBType, { keyType: DuckDBType }>;
      const entries = (value as { entries: Array<{ key: DuckDBValue; value: DuckDBValue }> }).entries.map(
        (entry) => [jsonValue(entry.key, map.keyType), jsonValue(entry.value, map.valueType)] as const,
      );
      const object: Record<string, Json> = {};
      for (const [key, item] of entries) {
        if (typeof key !== 'string' && typeof key !== 'number') return entries.map(([k, v]) => ({ key: k, value: v }));
        object[String(key)] = item;
      }
      return object;
    }
    case T.UNION: {
      const union = type as Extract<DuckDBType, { memberTags: readonly string[] }>;
      const member = value as { tag: string; value: DuckDBValue };
      const memberType = union.memberTypes[union.tagMemberIndexes[member.tag] ?? -1];
      return memberType ? jsonValue(member.value, memberType) : String(member.value);
    }
    case T.VARIANT: {
      const variant = value as { value: DuckDBValue; type?: DuckDBType };
      return variant.type ? jsonValue(variant.value, variant.type) : variant.value === null ? null : String(variant.value);
    }
    default:
      return toPreviewValue(value, type);
  }
}

/** One DuckDB value as the preview shows it (see the rules at the top of this file). */
export function toPreviewValue(value: DuckDBValue, type: DuckDBType): PreviewValue {
  if (value === null || value === undefined) return null;
  switch (type.typeId as number) {
    case T.BOOLEAN:
      return Boolean(value);
    case T.TINYINT:
    case T.SMALLINT:
    case T.INTEGER:
    case T.UTINYINT:
    case T.USMALLINT:
    case T.UINTEGER:
    case T.DOUBLE:
      return typeof value === 'number' ? finiteOrText(value) : String(value);
    case T.FLOAT:
      return typeof value === 'number' ? float32Value(value) : String(value);
    case T.BIGINT:
    case T.UBIGINT:
    case T.HUGEINT:
    case T.UHUGEINT:
    case T.BIGNUM:
      return typeof value === 'bigint' ? bigintValue(value) : typeof value === 'number' ? finiteOrText(value) : String(value);
    case T.DECIMAL:
      return decimalValue(value as DecimalLike);
    case T.DATE:
      return formatDateDays((value as { days: number }).days);
    case T.TIMESTAMP_TZ:
      return formatTimestampMicros((value as { micros: bigint }).micros, true);
    case T.BLOB:
      return blobText((value as { bytes: Uint8Array }).bytes);
    case T.LIST:
    case T.ARRAY:
    case T.STRUCT:
    case T.MAP:
    case T.UNION:
    case T.VARIANT:
      return JSON.stringify(jsonValue(value, type));
    case T.SQLNULL:
      return null;
    default:
      // VARCHAR, DATE, TIME, TIMESTAMP (and _S/_MS/_NS), INTERVAL, UUID, ENUM, BIT, TIME WITH TIME ZONE, GEOMETRY.
      return typeof value === 'string' ? value : typeof value === 'bigint' ? bigintValue(value) : String(value);
  }
}
