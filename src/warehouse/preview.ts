/**
 * The SQL of a table or query preview: one page (server-side sort and paging), the row count,
 * a chart aggregate and the CSV export, for DuckDB and Snowflake alike. Every identifier is
 * quoted and a user's query is only ever a subquery, so nothing from the tree, the webview or
 * the data reaches the SQL unquoted. The DuckDB backend at the end runs them on a connection it
 * is lent; it imports `@duckdb/node-api` for types only (no native module at activation).
 */
import { rm, stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { qualified, quoteIdent, quoteString, type Dialect } from './sql';
import type { PreviewValue, QueryColumn, QueryResult } from '../core/values';
import { toPreviewValue } from './values';
import { errorMessage } from '../core/errors';

export type PreviewSource =
  | {
      kind: 'table';
      database?: string;
      schema: string;
      name: string;
      /** `table` (not a view) lets DuckDB page sorted results by `rowid`: faster deep pages, exact ties. */
      tableType?: 'table' | 'view';
    }
  | { kind: 'query'; sql: string };

export interface PreviewSort {
  column: string;
  direction: 'asc' | 'desc';
  /** Where NULLs go; last (both directions) unless asked. */
  nulls?: 'first' | 'last';
}

export interface PageRequest {
  source: PreviewSource;
  offset: number;
  limit: number;
  sort?: PreviewSort;
  /**
   * Columns that break ties of the sort, so that a row never shows on two pages or on none
   * (the columns of the result, known from an earlier page). See `tieBreakColumns`.
   */
  tieBreak?: readonly string[];
}

/** How far a long statement is: DuckDB's own estimate (0–100), or the rows streamed so far. */
export interface QueryProgress {
  percentage?: number;
  rows?: number;
}

export interface RunOptions {
  /** Called every few hundred milliseconds while the statement runs, when the warehouse can tell. */
  onProgress?: (progress: QueryProgress) => void;
  /** The statement reads or writes the preview's scratch database (DuckDB: attached first). */
  scratch?: boolean;
}

/** A result a warehouse keeps for the session (Snowflake), read in ranges without running the query again. */
export interface HeldResult {
  readonly columns: QueryColumn[];
  readonly rowCount: number;
  /** Identifies the result (Snowflake's query id): what a page says it shows. */
  readonly id: string;
  /** Rows `start` (inclusive) to `end` (exclusive), converted for the preview. */
  read(start: number, end: number, signal: AbortSignal): Promise<PreviewValue[][]>;
}

/** What the preview panel runs its SQL with; the extension lends one per warehouse. */
export interface PreviewBackend {
  readonly dialect: Dialect;
  /** Runs one read-only statement; rejects with an Error whose message is fit for the user. Honours the signal (cancels). */
  run(sql: string, signal: AbortSignal, options?: RunOptions): Promise<QueryResult>;
  /** Writes every row of a statement to a CSV file (streamed for large results); resolves to the rows written. */
  exportCsv(sql: string, file: string, signal: AbortSignal, options?: RunOptions): Promise<number>;
  /**
   * A token that changes whenever the warehouse's data may have changed (DuckDB: the size and time of
   * the database file and its WAL, which every commit moves). Absent where no such token exists.
   */
  dataVersion?(): Promise<string>;
  /** The attached scratch database that materialized results and sort indexes live in (DuckDB). */
  readonly scratch?: { database: string; budgetBytes: number };
  /** Runs a query once and keeps its result on the server for paging (Snowflake). */
  holdResult?(sql: string, signal: AbortSignal): Promise<HeldResult>;
}

/** A query the preview refuses to run, with a message for the user. */
export class PreviewSqlError extends Error {
  override readonly name = 'PreviewSqlError';
}

/** Largest page the preview asks for (the setting allows 5,000). */
export const MAX_PAGE_ROWS = 10_000;
/** Tie-break columns at most: enough to make real tables' pages stable, few enough to keep a top-N sort cheap. */
export const MAX_TIE_BREAK_COLUMNS = 16;

/** Starting words of statements that are queries (and so can be a subquery), per dialect. */
const QUERY_KEYWORDS: Record<Dialect, ReadonlySet<string>> = {
  duckdb: new Set(['select', 'with', 'from', 'values', 'table', 'pivot', 'unpivot', 'summarize', 'describe', 'show']),
  snowflake: new Set(['select', 'with']),
};

interface Statement {
  text: string;
  /** First word outside comments, lower case ('' when the statement opens with a parenthesis). */
  keyword: string | undefined;
}

/**
 * Splits SQL text at top-level semicolons, skipping strings, quoted identifiers, comments and
 * dollar-quoted bodies. Statements holding only comments or blanks are dropped.
 */
export function splitStatements(sql: string, dialect: Dialect): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let keyword: string | undefined;
  let i = 0;
  const n = sql.length;
  const finish = (end: number): void => {
    if (keyword !== undefined) statements.push({ text: sql.slice(start, end), keyword });
    keyword = undefined;
    start = end + 1;
  };
  while (i < n) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      i = lineEnd(sql, i);
    } else if (ch === '/' && next === '/' && dialect === 'snowflake') {
      i = lineEnd(sql, i);
    } else if (ch === '/' && next === '*') {
      i = blockCommentEnd(sql, i, dialect === 'duckdb');
    } else if (ch === ';') {
      finish(i);
      i += 1;
    } else if (/\s/.test(ch)) {
      i += 1;
    } else {
      if (keyword === undefined) keyword = /^[A-Za-z_]\w*/.exec(sql.slice(i, i + 32))?.[0]?.toLowerCase() ?? '';
      if (ch === "'") {
        i = quotedEnd(sql, i, "'", dialect === 'snowflake');
      } else if ((ch === 'e' || ch === 'E') && next === "'" && dialect === 'duckdb' && !/\w/.test(sql[i - 1] ?? '')) {
        i = quotedEnd(sql, i + 1, "'", true);
      } else if (ch === '"') {
        i = quotedEnd(sql, i, '"', false);
      } else if (ch === '$' && !/\w/.test(sql[i - 1] ?? '')) {
        const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i, i + 66))?.[0];
        if (tag) {
          const close = sql.indexOf(tag, i + tag.length);
          if (close < 0) throw new PreviewSqlError(`The query has an unterminated ${tag} string.`);
          i = close + tag.length;
        } else {
          i += 1;
        }
      } else {
        i += 1;
      }
    }
  }
  finish(n);
  return statements;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end < 0 ? sql.length : end + 1;
}

function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  throw new PreviewSqlError('The query has an unterminated /* comment.');
}

function quotedEnd(sql: string, from: number, quote: string, backslash: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslash && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  throw new PreviewSqlError(`The query has an unterminated ${quote === "'" ? 'string' : 'quoted name'}.`);
}

/**
 * The one query of a user's SQL text, without its trailing semicolon. Rejects an empty text,
 * several statements and statements that are not queries (a subquery must be a query anyway;
 * saying so beats the warehouse's syntax error).
 */
export function singleQuery(sql: string, dialect: Dialect): string {
  const statements = splitStatements(sql, dialect);
  const [statement] = statements;
  if (!statement) throw new PreviewSqlError('The query is empty.');
  if (statements.length > 1) {
    throw new PreviewSqlError(`The text holds ${statements.length} statements; a preview runs one query. Select one statement and run it again.`);
  }
  const keyword = statement.keyword ?? '';
  if (keyword !== '' && !QUERY_KEYWORDS[dialect].has(keyword)) {
    throw new PreviewSqlError(`Only queries can be previewed (SELECT or WITH …); this statement starts with ${keyword.toUpperCase()}.`);
  }
  return statement.text.trim();
}

/** The relation a preview reads: a quoted table name, or the user's query as a subquery. */
export function previewRelation(source: PreviewSource, dialect: Dialect): string {
  if (source.kind === 'table') {
    return source.database ? qualified(source.database, source.schema, source.name) : qualified(source.schema, source.name);
  }
  // Newlines keep a trailing `-- comment` of the query from swallowing the closing parenthesis.
  return `(\n${singleQuery(source.sql, dialect)}\n) as q`;
}

/** Columns that can break ties after sorting by `sortColumn`: the others, the first few, orderable ones. */
export function tieBreakColumns(columns: readonly QueryColumn[], sortColumn: string | undefined, dialect: Dialect): string[] {
  // Snowflake cannot order by its spatial types; DuckDB orders by every type.
  const orderable = (type: string): boolean => dialect === 'duckdb' || !/^(GEOGRAPHY|GEOMETRY)\b/i.test(type);
  return columns
    .filter((column) => column.name !== sortColumn && orderable(column.type))
    .slice(0, MAX_TIE_BREAK_COLUMNS)
    .map((column) => column.name);
}

/** `"col" desc nulls last`: one sort key as every statement of the preview writes it. */
export function sortKey(sort: PreviewSort, alias?: string): string {
  const column = alias ? `${alias}.${quoteIdent(sort.column)}` : quoteIdent(sort.column);
  return `${column} ${sort.direction === 'desc' ? 'desc' : 'asc'} nulls ${sort.nulls === 'first' ? 'first' : 'last'}`;
}

function orderBy(sort: PreviewSort | undefined, tieBreak: readonly string[] | undefined, rowid = false): string {
  if (!sort) return '';
  // NULLS LAST both ways unless asked: DuckDB's default, not Snowflake's, and what a grid user expects.
  const keys = [sortKey(sort)];
  if (rowid) keys.push('rowid');
  else for (const column of tieBreak ?? []) if (column !== sort.column) keys.push(`${quoteIdent(column)} asc nulls last`);
  return ` order by ${keys.join(', ')}`;
}

/** Whether a source has DuckDB's `rowid`: a table (views and queries have none). */
const hasRowid = (source: PreviewSource, dialect: Dialect): boolean => dialect === 'duckdb' && source.kind === 'table' && source.tableType === 'table';

/** `value` when it is a whole number from `min` to `max`; otherwise a PreviewSqlError naming `what`. */
export const wholeNumber = (value: number, min: number, max: number, what: string): number => {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new PreviewSqlError(`${what} must be a whole number from ${min} to ${max}.`);
  return value;
};

/**
 * One page by LIMIT/OFFSET, the warehouse reading and skipping every row before it: fine for the
 * first pages, and what is left when nothing better applies (a Snowflake page before its result
 * is held, a view too large to materialize). Unsorted pages keep the warehouse's order (DuckDB: a
 * table's insertion order); sorted ones break ties by further columns, so paging is stable.
 */
export function pageSql(request: PageRequest, dialect: Dialect): string {
  const limit = wholeNumber(request.limit, 1, MAX_PAGE_ROWS, 'The page size');
  const offset = wholeNumber(request.offset, 0, Number.MAX_SAFE_INTEGER, 'The offset');
  const relation = previewRelation(request.source, dialect);
  return `select * from ${relation}${orderBy(request.sort, request.tieBreak, request.sort !== undefined && hasRowid(request.source, dialect))} limit ${limit} offset ${offset}`;
}

// ---------------------------------------------------------------------------------------------
// Paging by rowid (DuckDB tables, and results materialized in the scratch database).

/** The order of a rowid relation: the sort key, then `tieBreak` columns (a copy of a view pages as the view does), then the rowid. */
function rowidOrder(sort: PreviewSort, tieBreak: readonly string[]): string {
  const keys = [sortKey(sort), ...tieBreak.filter((column) => column !== sort.column).map((column) => `${quoteIdent(column)} asc nulls last`), 'rowid'];
  return keys.join(', ');
}

/**
 * The rowids of a sorted page straight from the relation: a top-N of the sort key and the rowid
 * only (DuckDB keeps a heap of `offset + limit` keys, never the rows), so it suits the first pages.
 */
export function sortedRowidsSql(relation: string, sort: PreviewSort, offset: number, limit: number, tieBreak: readonly string[] = []): string {
  wholeNumber(limit, 1, MAX_PAGE_ROWS, 'The page size');
  wholeNumber(offset, 0, Number.MAX_SAFE_INTEGER, 'The offset');
  return `select rowid as rid from ${relation} order by ${rowidOrder(sort, tieBreak)} limit ${limit} offset ${offset}`;
}

/**
 * Builds the sorted rowid index of a relation in one sort: a table whose rows are the relation's
 * rowids in the preview's order (ties by rowid), so that its own rowid is the position. DuckDB
 * keeps the order of a CREATE TABLE AS ... ORDER BY (insertion order is preserved), spilling the
 * sort to disk when it outgrows memory.
 */
export function sortIndexSql(index: string, relation: string, sort: PreviewSort, tieBreak: readonly string[] = []): string {
  return `create or replace table ${index} as select rowid as rid from ${relation} order by ${rowidOrder(sort, tieBreak)}`;
}

/** The rowids at positions `offset` to `offset + limit - 1` of a sort index (a rowid range: row groups are skipped). */
export function indexRangeSql(index: string, offset: number, limit: number): string {
  wholeNumber(limit, 1, MAX_PAGE_ROWS, 'The page size');
  wholeNumber(offset, 0, Number.MAX_SAFE_INTEGER, 'The offset');
  return `select rid from ${index} where rowid between ${offset} and ${offset + limit - 1} order by rowid`;
}

/**
 * Rowids per fetch statement. A hash join whose build side has at most this many keys pushes
 * them into the scan of the big side as a filter (DuckDB's `dynamic_or_filter_threshold`,
 * 50 by default), so the scan skips what it does not need: about 15 ms per 50 rows of a 10M-row
 * table, where one `rowid IN (...)` of 200 reads the whole table (300 ms and more).
 */
export const FETCH_CHUNK_ROWS = 50;

/**
 * The rows with these rowids, in this order: one statement per chunk of `FETCH_CHUNK_ROWS`
 * (run them in order and concatenate the rows). Only for relations whose `rowid` is DuckDB's.
 */
export function fetchRowsSql(relation: string, rowids: readonly number[]): string[] {
  const statements: string[] = [];
  for (let start = 0; start < rowids.length; start += FETCH_CHUNK_ROWS) {
    const values = rowids
      .slice(start, start + FETCH_CHUNK_ROWS)
      .map((rid, i) => `(${wholeNumber(rid, 0, Number.MAX_SAFE_INTEGER, 'A rowid')}, ${i})`)
      .join(', ');
    statements.push(`select t.* from ${relation} as t join (values ${values}) as page(rid, pos) on t.rowid = page.rid order by page.pos`);
  }
  return statements;
}

/** Copies a relation's rows into a table of the scratch database: the snapshot a view's preview pages through. */
export function materializeSql(target: string, relation: string): string {
  return `create or replace table ${target} as select * from ${relation}`;
}

/** No rows, only the columns and their types. */
export function schemaSql(source: PreviewSource, dialect: Dialect): string {
  return `select * from ${previewRelation(source, dialect)} limit 0`;
}

/** The number of rows of the source. */
export function countSql(source: PreviewSource, dialect: Dialect): string {
  return `select count(*) as row_count from ${previewRelation(source, dialect)}`;
}

/** Every row of the source, in the preview's order: what Export CSV writes. */
export function exportSql(source: PreviewSource, dialect: Dialect, sort?: PreviewSort, tieBreak?: readonly string[]): string {
  return `select * from ${previewRelation(source, dialect)}${orderBy(sort, tieBreak, hasRowid(source, dialect))}`;
}

/** A short name of the source for titles and file names: `gold.orders`, or `query`. */
export function sourceLabel(source: PreviewSource): string {
  return source.kind === 'table' ? [source.database, source.schema, source.name].filter(Boolean).join('.') : 'query';
}

/** `COPY (<sql>) TO '<file>'` as CSV with a header: DuckDB streams it to the file itself. */
export function duckDbCopySql(sql: string, file: string): string {
  return `copy (\n${sql}\n) to ${quoteString(file)} (format csv, header true, delimiter ',')`;
}

// ---------------------------------------------------------------------------------------------
// The DuckDB backend.

/** What the backend needs of a DuckDB connection (a `DuckDBConnection` has it). */
export type PreviewConnection = Pick<DuckDBConnection, 'runAndReadAll' | 'run' | 'interrupt' | 'progress'>;

/**
 * Lends a connection to one piece of work at a time. The extension passes its shared warehouse
 * access (which waits while dbt holds the file and honours the signal while waiting).
 */
export type WithPreviewConnection = <T>(work: (connection: PreviewConnection) => Promise<T>, signal: AbortSignal) => Promise<T>;

/** The error a cancelled preview statement rejects with. */
export function abortError(): Error {
  const error = new Error('cancelled');
  error.name = 'AbortError';
  return error;
}

/** DuckDB's message without the echo of our SQL (`LINE 1: select * from (…`), which the user never wrote. */
export function userMessage(error: unknown): string {
  const message = errorMessage(error);
  return message.split(/\n\s*LINE \d+:/)[0]?.trim() || message;
}

/** How often a running statement's progress is read. */
const PROGRESS_INTERVAL_MS = 250;

/** Runs `work`, interrupting the connection when the signal aborts and reporting DuckDB's progress meanwhile. */
async function cancellable<T>(connection: PreviewConnection, signal: AbortSignal, work: () => Promise<T>, onProgress?: (progress: QueryProgress) => void): Promise<T> {
  if (signal.aborted) throw abortError();
  const onAbort = (): void => connection.interrupt();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = onProgress
    ? setInterval(() => {
        const { percentage } = connection.progress;
        if (percentage >= 0) onProgress({ percentage });
      }, PROGRESS_INTERVAL_MS)
    : undefined;
  try {
    return await work();
  } catch (error) {
    if (signal.aborted) throw abortError();
    throw new Error(userMessage(error), { cause: error });
  } finally {
    if (timer) clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

export interface DuckDbPreviewOptions {
  /** The database file: its size and time (and its WAL's) are the data version. In memory: no version. */
  file?: string;
  /** A DuckDB file of the preview's own, attached as `scratch.database`, for snapshots and sort indexes. */
  scratch?: { file: string; database: string; budgetBytes: number };
}

/** Size, time and inode of a file, or `-` when it does not exist. */
/** A token that changes whenever a DuckDB file's data may have changed: the size and time of the file and its WAL, which every commit moves. */
export async function duckdbDataVersion(file: string): Promise<string> {
  return `${await fileStamp(file)}|${await fileStamp(`${file}.wal`)}`;
}

async function fileStamp(file: string): Promise<string> {
  try {
    const { size, mtimeMs, ino } = await stat(file);
    return `${size}:${mtimeMs}:${ino}`;
  } catch {
    return '-';
  }
}

/** Connections set up for the preview: DuckDB reports progress only once asked to (and must not print it). */
const prepared = new WeakMap<PreviewConnection, Set<string>>();

/** Runs the preview's session settings, and the scratch database's ATTACH, once per connection. */
async function prepare(connection: PreviewConnection, scratch: DuckDbPreviewOptions['scratch'] | undefined): Promise<void> {
  let done = prepared.get(connection);
  if (!done) prepared.set(connection, (done = new Set()));
  if (!done.has('progress')) {
    await connection.run('set enable_progress_bar = true; set enable_progress_bar_print = false');
    done.add('progress');
  }
  if (scratch && !done.has('scratch')) {
    await connection.run(`attach if not exists ${quoteString(scratch.file)} as ${quoteIdent(scratch.database)}`);
    done.add('scratch');
  }
}

/** A `PreviewBackend` over DuckDB connections lent by `withConnection`. */
export function createDuckDbPreviewBackend(withConnection: WithPreviewConnection, options: DuckDbPreviewOptions = {}): PreviewBackend {
  const { file, scratch } = options;
  /** One statement's work on a prepared connection: cancellable, with progress. */
  const lend = <T>(signal: AbortSignal, runOptions: RunOptions, work: (connection: PreviewConnection) => Promise<T>): Promise<T> =>
    withConnection(async (connection) => {
      if (runOptions.scratch && !scratch) throw new Error('this preview has no scratch database');
      await prepare(connection, runOptions.scratch ? scratch : undefined);
      return cancellable(connection, signal, () => work(connection), runOptions.onProgress);
    }, signal);
  return {
    dialect: 'duckdb',
    run: (sql, signal, runOptions = {}) =>
      lend(signal, runOptions, async (connection) => {
        const reader = await connection.runAndReadAll(sql);
        const types = reader.columnTypes();
        const columns = reader.columnNames().map((name, i) => ({ name, type: types[i]?.toString() ?? 'UNKNOWN' }));
        const rows = reader.getRows().map((row) => row.map((value, i) => (types[i] ? toPreviewValue(value, types[i]) : null)));
        return { columns, rows };
      }),
    exportCsv: (sql, target, signal, exportOptions = {}) =>
      lend(signal, exportOptions, async (connection) => {
        try {
          return (await connection.run(duckDbCopySql(sql, target))).rowsChanged;
        } catch (error) {
          // Half a file is no export: a cancelled or failed one leaves none.
          await rm(target, { force: true });
          throw error;
        }
      }),
    ...(file ? { dataVersion: () => duckdbDataVersion(file) } : {}),
    ...(scratch ? { scratch: { database: scratch.database, budgetBytes: scratch.budgetBytes } } : {}),
  };
}

/** Lends one connection to one piece of work at a time (tests, benchmarks, a CLI). */
export function exclusiveConnection(connection: PreviewConnection): WithPreviewConnection {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: (connection: PreviewConnection) => Promise<T>, signal: AbortSignal): Promise<T> => {
    const run = (): Promise<T> => (signal.aborted ? Promise.reject(abortError()) : work(connection));
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  };
}
