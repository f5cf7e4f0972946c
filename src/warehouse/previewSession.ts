/**
 * One preview of one source, from its first page to its last: which snapshot of the data its pages
 * show, and the cheapest way to get any page of it.
 *
 * - A DuckDB table pages by `rowid`: unsorted pages by LIMIT/OFFSET (DuckDB skips whole row
 *   groups), sorted ones by a top-N of the key and the rowid near the start, and deeper through a
 *   sorted rowid index built once per sort in the preview's scratch database; the page's rows are
 *   then read by rowid. No page pays `ORDER BY ... OFFSET` over the whole table.
 * - A view or a query shows its first page live; anything else (another page, a sort) reads a copy
 *   of its result materialized once in the scratch database (within a disk budget; DuckDB spills),
 *   which then pages like a table. Too large for the budget: pages run the view, as before, and
 *   say so.
 * - Snowflake runs the (sorted) query once and reads any range of the result it keeps for the
 *   session, so a view is never run again for the next page.
 *
 * A snapshot is what a page shows: for a live DuckDB source, the data as of a version token (the
 * database file's stamp, which every commit moves); every statement checks the token before and
 * after, and a page of another version is never served: `DataChangedError` asks for an explicit
 * refresh. A materialized copy or a held result is its own snapshot. Pure: no `vscode`.
 */
import {
  countSql,
  fetchRowsSql,
  indexRangeSql,
  MAX_PAGE_ROWS,
  materializeSql,
  pageSql,
  previewRelation,
  schemaSql,
  sortedRowidsSql,
  sortIndexSql,
  sortKey,
  tieBreakColumns,
  type HeldResult,
  type PreviewBackend,
  type PreviewSort,
  type PreviewSource,
  type QueryProgress,
  type RunOptions,
} from './preview';
import { exactDistinct, needsHistogram, profileHistogram, profilesFromStats, profileStatsSql, type ColumnProfile } from './profile';
import { qualified } from './sql';
import type { PreviewValue, QueryColumn, QueryResult } from '../core/values';
import { errorMessage, isAbortError } from '../core/errors';

/** What a page shows: one version of the data. */
export interface Snapshot {
  /** Changes whenever the data a page may show changes (`live-3`, `copy-1`, a Snowflake query id). */
  id: string;
  /** `live`: the source itself at a version; `copy`: its result materialized; `result`: a result the warehouse holds. */
  kind: 'live' | 'copy' | 'result';
  /** When the snapshot was taken (epoch milliseconds). */
  takenAt: number;
}

export interface SessionPage {
  offset: number;
  sort?: PreviewSort;
  columns: QueryColumn[];
  rows: PreviewValue[][];
  snapshot: Snapshot;
}

/** The data of a live snapshot changed: nothing of the new version may be mixed into it. */
export class DataChangedError extends Error {
  override readonly name = 'DataChangedError';
}

/** What a long step is doing, for the progress the grid shows. */
export interface SessionProgress {
  phase: string;
  percentage?: number;
}

export interface SessionOptions {
  /** Names the session's tables in the scratch database (letters, digits and `_`). */
  id: string;
  /** The clock snapshots are stamped with. */
  now?: () => number;
  /** Sorted pages starting before this row come from a top-N of the relation; later ones from a sort index. */
  shallowRows?: number;
  /** Pages of unchanged live tables, shared by the sessions of one warehouse (later clicks on a table). */
  cache?: PageCache;
  /** Profiles count distinct values exactly up to this many cells (rows × columns), estimate them beyond. */
  exactDistinctCells?: number;
}

/** Sorted pages before this row use a top-N (a heap of offset + page rows): cheap, no index to build. */
export const SHALLOW_ROWS = 10_000;
/** Sort indexes one session keeps (each is 8 bytes a row); the oldest is dropped first. */
const MAX_INDEXES = 2;
/** A guess of the bytes of a value of a type, for the budget of a materialized copy. */
const estimatedWidth = (type: string): number =>
  /^(BOOLEAN|TINYINT|UTINYINT)/i.test(type) ? 1 : /^(SMALLINT|USMALLINT)/i.test(type) ? 2 : /^(INTEGER|UINTEGER|FLOAT|REAL|DATE)\b/i.test(type) ? 4 : /^(VARCHAR|BLOB|JSON)|\[|STRUCT|MAP|UNION/i.test(type) ? 32 : 16;

const abortError = (): Error => Object.assign(new Error('cancelled'), { name: 'AbortError' });
const sortId = (sort: PreviewSort | undefined): string => (sort ? sortKey(sort) : '');

/**
 * Pages of live DuckDB tables by (source, data version, sort, offset, size): a later click on a
 * table whose file did not change shows its page without reopening the file. Least recently used
 * pages go first beyond `maxCells` cells.
 */
export class PageCache {
  private readonly entries = new Map<string, { page: SessionPage; cells: number }>();
  private cells = 0;

  constructor(private readonly maxCells = 2_000_000) {}

  get(key: string): SessionPage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.page;
  }

  set(key: string, page: SessionPage): void {
    const cells = Math.max(1, page.rows.length * page.columns.length);
    if (cells > this.maxCells) return;
    const old = this.entries.get(key);
    if (old) {
      this.cells -= old.cells;
      this.entries.delete(key);
    }
    this.entries.set(key, { page, cells });
    this.cells += cells;
    for (const [oldest, entry] of this.entries) {
      if (this.cells <= this.maxCells) break;
      this.entries.delete(oldest);
      this.cells -= entry.cells;
    }
  }
}

/** Identity of a source, for caches and panels: one per table or query text. */
export function sourceKey(source: PreviewSource): string {
  return JSON.stringify(source.kind === 'table' ? [source.database ?? '', source.schema, source.name] : [source.sql]);
}

export class PreviewSession {
  private readonly now: () => number;
  private readonly shallowRows: number;
  private snapshot: Snapshot | undefined;
  private shown: Snapshot | undefined;
  /** The data version the live snapshot shows (DuckDB). */
  private token: string | undefined;
  private snapshots = 0;
  private columnsKnown: QueryColumn[] | undefined;
  private total: number | undefined;
  /** The materialized copy: its table, and the snapshot it is. `false`: over the budget, page live. */
  private copy: Promise<{ source: PreviewSource; rows: number; snapshot: Snapshot }> | false | undefined;
  private readonly indexes = new Map<string, Promise<string> & { listeners: Set<(progress: SessionProgress) => void>; phase: string }>();
  /** A sort index built ahead of need (`prefetch`), and what it is for. */
  private background: { controller: AbortController; key: string } | undefined;
  private readonly held = new Map<string, Promise<HeldResult>>();
  private readonly tables = new Set<string>();
  private indexCount = 0;
  private disposed = false;
  /** Column profiles of this snapshot, by column name: the stats of every column, histograms as they are computed. */
  private profiles: Promise<{ profiles: Map<string, ColumnProfile>; snapshot: Snapshot }> | undefined;
  /** Pages being read: a profile's statements wait for none to be (`yielding`). */
  private foreground = 0;
  private readonly idleWaiters = new Set<() => void>();
  /** Statements of a profile running now; a page interrupts them. */
  private readonly yieldingWork = new Set<AbortController>();
  /** Why pages are slower than they could be (a view over the budget), for the grid to say once. */
  notice: string | undefined;

  constructor(
    readonly source: PreviewSource,
    private readonly backend: PreviewBackend,
    private readonly options: SessionOptions,
  ) {
    if (!/^\w+$/.test(options.id)) throw new Error(`bad session id ${options.id}`);
    this.now = options.now ?? Date.now;
    this.shallowRows = options.shallowRows ?? SHALLOW_ROWS;
  }

  /** The row count, when a page or a count already told it (no statement runs). */
  get knownTotal(): number | undefined {
    return this.total;
  }

  /** The snapshot of the latest page (undefined before the first page). */
  get current(): Snapshot | undefined {
    return this.shown;
  }

  /** Whether the source has DuckDB's own rowid (a table without a column of that name). */
  private get rowidTable(): boolean {
    const source = this.source;
    return this.backend.dialect === 'duckdb' && source.kind === 'table' && source.tableType === 'table';
  }

  /** Live pages of a DuckDB table may be cached across sessions: its data is the file's (views may read anything). */
  private get cacheable(): boolean {
    return this.rowidTable && this.backend.dataVersion !== undefined && this.options.cache !== undefined;
  }

  /**
   * A snapshot is named after its data version where there is one: two sessions of one version, or
   * a copy taken at the version the live pages showed, show the same data.
   */
  private newSnapshot(kind: Snapshot['kind']): Snapshot {
    this.snapshots += 1;
    if (this.token !== undefined) return { id: `v${fnv1a(this.token)}`, kind, takenAt: this.snapshot?.takenAt ?? this.now() };
    return { id: `${kind}-${this.options.id}-${this.snapshots}`, kind, takenAt: this.now() };
  }

  /**
   * Runs `work` against the live source at the snapshot's version: checks the data version before
   * and after (a commit in between moves it), takes the snapshot on the first call, and refuses a
   * version other than the snapshot's.
   */
  private async live<T>(work: () => Promise<T>): Promise<T> {
    const backend = this.backend;
    if (!backend.dataVersion) {
      const result = await work();
      this.snapshot ??= this.newSnapshot('live');
      return result;
    }
    for (let attempt = 0; ; attempt++) {
      const before = await backend.dataVersion();
      if (this.token !== undefined && before !== this.token) throw this.changed();
      const result = await work();
      const after = await backend.dataVersion();
      if (after === before) {
        if (this.token === undefined) {
          this.token = before;
          this.snapshot = this.newSnapshot('live');
        }
        return result;
      }
      // The data changed while the statement ran: its rows may be of either version.
      if (this.token !== undefined) throw this.changed();
      if (attempt >= 2) throw new Error('the warehouse keeps changing while the preview reads it; try again when the load is done');
    }
  }

  private changed(): DataChangedError {
    const at = this.snapshot ? new Date(this.snapshot.takenAt).toLocaleTimeString('en-GB') : 'the first page';
    return new DataChangedError(`The data changed since this preview's snapshot (${at}). Refresh to see the new data.`);
  }

  /** Whether the data moved away from the snapshot's version: a live snapshot then serves no more pages, a copy still does (and the grid says so). */
  async isStale(): Promise<boolean> {
    if (!this.token || !this.backend.dataVersion || !this.snapshot) return false;
    return (await this.backend.dataVersion()) !== this.token;
  }

  private run(sql: string, signal: AbortSignal, options?: RunOptions): Promise<QueryResult> {
    if (this.disposed) return Promise.reject(abortError());
    return this.backend.run(sql, signal, options);
  }

  /** The source's columns (from an earlier page, or a statement that returns no rows). */
  async columns(signal: AbortSignal): Promise<QueryColumn[]> {
    this.columnsKnown ??= (await this.live(() => this.run(schemaSql(this.source, this.backend.dialect), signal))).columns;
    return this.columnsKnown;
  }

  /** A table with its own `rowid` column hides DuckDB's: it pages like a view. */
  private async hasOwnRowid(signal: AbortSignal): Promise<boolean> {
    return (await this.columns(signal)).some((column) => column.name.toLowerCase() === 'rowid');
  }

  /** One page of `limit` rows from `offset`, in `sort` order, of this session's snapshot. */
  async page(offset: number, limit: number, sort: PreviewSort | undefined, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<SessionPage> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error('The offset must be a whole number from 0.');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) throw new Error(`The page size must be a whole number from 1 to ${MAX_PAGE_ROWS}.`);
    // A deep page of the sort being indexed waits for that index; anything else goes first.
    this.preempt(sort && offset + limit > this.shallowRows ? sortKey(sort) : undefined);
    this.foreground += 1;
    for (const work of this.yieldingWork) work.abort();
    try {
      const page = await this.anyPage(offset, limit, sort, signal, onProgress);
      this.shown = page.snapshot;
      return page;
    } finally {
      this.foreground -= 1;
      if (this.foreground === 0) for (const wake of this.idleWaiters) wake();
    }
  }

  private async anyPage(offset: number, limit: number, sort: PreviewSort | undefined, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<SessionPage> {
    if (this.backend.dialect === 'snowflake') return this.snowflakePage(offset, limit, sort, signal, onProgress);
    const copy = this.copy ? await this.copy : undefined;
    if (copy) return this.rowidPage(copy.source, offset, limit, sort, signal, onProgress, copy.snapshot);
    // Unsorted pages need no rowid; sorted ones need DuckDB's (a column named rowid hides it).
    if (this.rowidTable && (!sort || !(await this.hasOwnRowid(signal)))) return this.cachedLivePage(offset, limit, sort, signal, onProgress);
    // A view, a query, or a table hiding its rowid: its first pages live (a top-N, ties broken by its
    // columns), deeper ones from a copy that pages in the very same order.
    if (offset + limit > this.shallowRows && this.copy !== false) {
      const materialized = await this.materialize(signal, onProgress);
      if (materialized) return this.rowidPage(materialized.source, offset, limit, sort, signal, onProgress, materialized.snapshot);
    }
    const tieBreak = sort ? await this.tieBreak(sort, signal) : undefined;
    const sql = pageSql({ source: { ...this.source, ...(this.source.kind === 'table' ? { tableType: 'view' as const } : {}) }, offset, limit, ...(sort ? { sort, tieBreak } : {}) }, 'duckdb');
    const result = await this.live(() => this.run(sql, signal, progressOf('Running the query', onProgress)));
    this.columnsKnown ??= result.columns;
    return { offset, ...(sort ? { sort } : {}), columns: result.columns, rows: result.rows, snapshot: this.snapshot as Snapshot };
  }

  /** Columns that break ties of a sort over a view or its copy (a table's rowid does that for a table). */
  private async tieBreak(sort: PreviewSort, signal: AbortSignal): Promise<string[]> {
    return tieBreakColumns(await this.columns(signal), sort.column, 'duckdb');
  }

  /** A live table page, from the shared cache when the file has not changed since it was read. */
  private async cachedLivePage(offset: number, limit: number, sort: PreviewSort | undefined, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<SessionPage> {
    const cache = this.cacheable ? this.options.cache : undefined;
    if (cache && this.backend.dataVersion) {
      const version = await this.backend.dataVersion();
      if (this.token === undefined || version === this.token) {
        const cached = cache.get(JSON.stringify([sourceKey(this.source), version, sortId(sort), offset, limit]));
        if (cached) {
          if (this.token === undefined) {
            this.token = version;
            this.snapshot = cached.snapshot;
          }
          this.columnsKnown ??= cached.columns;
          return cached;
        }
      }
    }
    const page = await this.rowidPage(this.source, offset, limit, sort, signal, onProgress);
    if (cache && this.token !== undefined) cache.set(JSON.stringify([sourceKey(this.source), this.token, sortId(sort), offset, limit]), page);
    return page;
  }

  /** A page of a relation with DuckDB's rowid: the live table (at the snapshot's version) or a copy. */
  private async rowidPage(
    source: PreviewSource,
    offset: number,
    limit: number,
    sort: PreviewSort | undefined,
    signal: AbortSignal,
    onProgress: ((progress: SessionProgress) => void) | undefined,
    copy?: Snapshot,
  ): Promise<SessionPage> {
    const scratch = copy !== undefined;
    const relation = previewRelation(source, 'duckdb');
    const guard = <T>(work: () => Promise<T>): Promise<T> => (copy ? work() : this.live(work));
    let result: { columns: QueryColumn[]; rows: PreviewValue[][] };
    if (!sort) {
      result = await guard(() => this.run(pageSql({ source, offset, limit }, 'duckdb'), signal, { scratch }));
    } else {
      const index = offset + limit > this.shallowRows ? await this.sortIndex(source, sort, signal, onProgress, copy) : undefined;
      const tieBreak = copy ? await this.tieBreak(sort, signal) : [];
      result = await guard(async () => {
        const ids = await this.run(index ? indexRangeSql(index, offset, limit) : sortedRowidsSql(relation, sort, offset, limit, tieBreak), signal, { scratch: scratch || index !== undefined });
        const rowids = ids.rows.map((row) => Number(row[0]));
        if (rowids.length === 0) return { columns: await this.columns(signal), rows: [] };
        let columns: QueryColumn[] = [];
        const rows: PreviewValue[][] = [];
        for (const sql of fetchRowsSql(relation, rowids)) {
          const chunk = await this.run(sql, signal, { scratch });
          columns = chunk.columns;
          rows.push(...chunk.rows);
        }
        return { columns, rows };
      });
    }
    if (!copy) this.columnsKnown ??= result.columns;
    return { offset, ...(sort ? { sort } : {}), columns: result.columns, rows: result.rows, snapshot: copy ?? (this.snapshot as Snapshot) };
  }

  /** The sorted rowid index of a relation for one sort, built once (in the scratch database). */
  private async sortIndex(source: PreviewSource, sort: PreviewSort, signal: AbortSignal, onProgress: ((progress: SessionProgress) => void) | undefined, copy: Snapshot | undefined): Promise<string> {
    const scratch = this.backend.scratch;
    if (!scratch) throw new Error('deep sorted pages need the preview scratch database');
    const key = indexKey(source, sort);
    for (;;) {
      let building = this.indexes.get(key);
      if (!building) {
        this.indexCount += 1;
        const table = qualified(scratch.database, 'main', `idx_${this.options.id}_${this.indexCount}`);
        const rows = this.total ?? (await this.count(signal)).total;
        const phase = `Sorting ${rows.toLocaleString('en-US')} rows by ${sort.column} (once for this sort)`;
        const listeners = new Set<(progress: SessionProgress) => void>();
        // Whoever waits for the index (the request that started it, or a later one) sees its progress.
        const report = (progress: SessionProgress): void => listeners.forEach((listener) => listener(progress));
        const build = async (): Promise<string> => {
          const sql = sortIndexSql(table, previewRelation(source, 'duckdb'), sort, copy ? await this.tieBreak(sort, signal) : []);
          this.tables.add(table);
          try {
            const options = { scratch: true, ...progressOf(phase, report) };
            await (copy ? this.run(sql, signal, options) : this.live(() => this.run(sql, signal, options)));
          } catch (error) {
            // Cancelled or refused after the statement: an index nobody will read.
            await this.drop(table);
            throw error;
          }
          return table;
        };
        building = Object.assign(build(), { listeners, phase });
        const started = building;
        this.indexes.set(key, started);
        started.then(
          () => this.dropOldIndexes(),
          () => {
            if (this.indexes.get(key) === started) this.indexes.delete(key);
          },
        );
      }
      if (onProgress) {
        building.listeners.add(onProgress);
        onProgress({ phase: building.phase });
      }
      try {
        return await building;
      } catch (error) {
        // Built for a page that was then cancelled: build it again for this one.
        if (isAbortError(error) && !signal.aborted) continue;
        throw error;
      } finally {
        if (onProgress) building.listeners.delete(onProgress);
      }
    }
  }

  /**
   * Builds the sort index of a sorted table (or copy) in the background while its first page is
   * read on screen, so that a jump deep into the result finds it ready. Only where there are deep
   * pages; any request that does not need this index interrupts it (`preempt`), and the next
   * call of `prefetch` starts it again.
   */
  prefetch(sort: PreviewSort): void {
    if (this.disposed || this.backend.dialect !== 'duckdb' || !this.backend.scratch || this.background) return;
    if (this.total === undefined || this.total <= this.shallowRows || this.copy === false) return;
    void (async () => {
      const copy = this.copy ? await this.copy.catch(() => undefined) : undefined;
      const columns = this.columnsKnown;
      if (!copy && (!this.rowidTable || !columns || columns.some((column) => column.name.toLowerCase() === 'rowid'))) return;
      const source = copy ? copy.source : this.source;
      if (this.indexes.has(indexKey(source, sort)) || this.background) return;
      const controller = new AbortController();
      this.background = { controller, key: indexKey(source, sort) };
      await this.sortIndex(source, sort, controller.signal, undefined, copy?.snapshot).catch(() => undefined);
      if (this.background?.controller === controller) this.background = undefined;
    })();
  }

  /** Interrupts a background index build unless it is of the sort this request needs (it would wait behind it). */
  private preempt(needsSort?: string): void {
    const background = this.background;
    if (!background || (needsSort !== undefined && background.key.endsWith(`|${needsSort}`))) return;
    background.controller.abort();
    this.background = undefined;
  }

  /** Keeps the newest `MAX_INDEXES` sort indexes; the others are dropped (best effort). */
  private async dropOldIndexes(): Promise<void> {
    while (this.indexes.size > MAX_INDEXES) {
      const [key, oldest] = this.indexes.entries().next().value as [string, Promise<string>];
      this.indexes.delete(key);
      const table = await oldest.catch(() => undefined);
      if (table) await this.drop(table);
    }
  }

  private async drop(table: string): Promise<void> {
    this.tables.delete(table);
    await this.backend.run(`drop table if exists ${table}`, new AbortController().signal, { scratch: true }).catch(() => undefined);
  }

  /**
   * Copies the source's result into the scratch database once (the snapshot every later page of a
   * view reads). Undefined when there is no scratch database or the result exceeds its budget.
   */
  private async materialize(signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<{ source: PreviewSource; rows: number; snapshot: Snapshot } | undefined> {
    const scratch = this.backend.scratch;
    // A copy of a result with a column named rowid would hide the copy's own rowid.
    if (!scratch || (await this.hasOwnRowid(signal))) {
      if (!signal.aborted) this.copy = false;
      return undefined;
    }
    for (;;) {
      if (this.copy === false) return undefined;
      if (!this.copy) {
        const building = this.buildCopy(scratch, signal, onProgress);
        this.copy = building;
        building.catch(() => {
          if (this.copy === building) this.copy = undefined;
        });
      }
      const building = this.copy;
      try {
        return await building;
      } catch (error) {
        if (isAbortError(error) && !signal.aborted) continue;
        if (error instanceof BudgetError) {
          this.copy = false;
          this.notice = error.message;
          return undefined;
        }
        throw error;
      }
    }
  }

  private async buildCopy(scratch: NonNullable<PreviewBackend['scratch']>, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<{ source: PreviewSource; rows: number; snapshot: Snapshot }> {
    const columns = await this.columns(signal);
    const rowBytes = columns.reduce((sum, column) => sum + estimatedWidth(column.type), 8);
    const budgetRows = Math.max(1, Math.floor(scratch.budgetBytes / rowBytes));
    const name = `copy_${this.options.id}`;
    const table = qualified(scratch.database, 'main', name);
    const relation = previewRelation(this.source, 'duckdb');
    // The count first (the grid has usually asked for it already): a LIMIT on the copy would
    // halve DuckDB's speed by keeping the insertion order through it.
    const expected = this.total ?? (await this.liveCount(signal));
    if (expected > budgetRows) {
      const megabytes = Math.round(scratch.budgetBytes / 2 ** 20).toLocaleString('en-US');
      throw new BudgetError(`This result is larger than the preview's copy budget (${megabytes} MB): its later pages run it again each time.`);
    }
    this.tables.add(table);
    const rows = await this.live(async () => {
      await this.run(materializeSql(table, relation), signal, { scratch: true, ...progressOf('Copying the result once for paging and sorting', onProgress) });
      return Number((await this.run(`select count(*) from ${table}`, signal, { scratch: true })).rows[0]?.[0] ?? 0);
    }).catch(async (error: unknown) => {
      // Cancelled or refused after the copy was written: a copy nobody will read.
      await this.drop(table);
      throw error;
    });
    this.total = rows;
    return { source: { kind: 'table', database: scratch.database, schema: 'main', name, tableType: 'table' }, rows, snapshot: this.newSnapshot('copy') };
  }

  /** Snowflake: the unsorted first page by LIMIT; everything else from the result held for its sort. */
  private async snowflakePage(offset: number, limit: number, sort: PreviewSort | undefined, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<SessionPage> {
    if (!this.backend.holdResult || (!sort && offset === 0 && !this.held.has(''))) {
      const result = await this.run(pageSql({ source: this.source, offset, limit, ...(sort ? { sort, tieBreak: tieBreakColumns(await this.columns(signal), sort.column, 'snowflake') } : {}) }, 'snowflake'), signal);
      this.snapshot ??= this.newSnapshot('live');
      this.columnsKnown ??= result.columns;
      return { offset, ...(sort ? { sort } : {}), columns: result.columns, rows: result.rows, snapshot: this.snapshot };
    }
    const result = await this.heldResult(sort, signal, onProgress);
    const rows = await result.read(offset, Math.min(result.rowCount, offset + limit), signal);
    this.snapshot = { id: result.id, kind: 'result', takenAt: this.snapshot?.id === result.id ? this.snapshot.takenAt : this.now() };
    return { offset, ...(sort ? { sort } : {}), columns: result.columns, rows, snapshot: this.snapshot };
  }

  private async heldResult(sort: PreviewSort | undefined, signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<HeldResult> {
    const backend = this.backend;
    if (!backend.holdResult) throw new Error('this warehouse keeps no results');
    const key = sortId(sort);
    for (;;) {
      let holding = this.held.get(key);
      if (!holding) {
        onProgress?.({ phase: sort ? `Sorting by ${sort.column} in Snowflake` : 'Running the query in Snowflake' });
        const sql = `select * from ${previewRelation(this.source, 'snowflake')}${sort ? ` order by ${sortKey(sort)}` : ''}`;
        holding = backend.holdResult(sql, signal);
        this.held.set(key, holding);
        holding.catch(() => {
          if (this.held.get(key) === holding) this.held.delete(key);
        });
      }
      try {
        const result = await holding;
        this.total = result.rowCount;
        return result;
      } catch (error) {
        if (isAbortError(error) && !signal.aborted) continue;
        throw error;
      }
    }
  }

  /** The number of rows of the snapshot. */
  async count(signal: AbortSignal): Promise<{ total: number; snapshot: Snapshot | undefined }> {
    if (this.total === undefined) this.preempt();
    const copy = this.copy ? await this.copy.catch(() => undefined) : undefined;
    if (copy) return { total: copy.rows, snapshot: copy.snapshot };
    if (this.total !== undefined && this.backend.dialect === 'duckdb') return { total: this.total, snapshot: this.snapshot };
    const held = [...this.held.values()][0];
    if (held) {
      const result = await held;
      return { total: result.rowCount, snapshot: { id: result.id, kind: 'result', takenAt: this.snapshot?.takenAt ?? this.now() } };
    }
    return { total: await this.liveCount(signal), snapshot: this.snapshot };
  }

  /** Counts the rows of the source itself (at the snapshot's version). */
  private async liveCount(signal: AbortSignal): Promise<number> {
    const result = await this.live(() => this.run(countSql(this.source, this.backend.dialect), signal));
    const total = Number(result.rows[0]?.[0] ?? Number.NaN);
    if (!Number.isSafeInteger(total)) throw new Error('the warehouse returned no row count');
    this.total = total;
    return total;
  }

  /**
   * Runs a statement over the snapshot (a chart, an export): `build` gets the source to read (the
   * copy, when there is one) and whether it lives in the scratch database.
   */
  async over<T>(signal: AbortSignal, work: (source: PreviewSource, options: { scratch: boolean; snapshot: Snapshot | undefined }) => Promise<T>): Promise<T> {
    this.preempt();
    const copy = this.copy ? await this.copy.catch(() => undefined) : undefined;
    if (copy) return work(copy.source, { scratch: true, snapshot: copy.snapshot });
    if (this.backend.dialect === 'duckdb' && this.source.kind === 'table' && this.rowidTable && (await this.hasOwnRowid(signal))) {
      return this.live(() => work({ ...this.source, tableType: 'view' } as PreviewSource, { scratch: false, snapshot: this.snapshot }));
    }
    return this.live(() => work(this.source, { scratch: false, snapshot: this.snapshot }));
  }

  /**
   * Profiles the columns `names` of the snapshot the grid shows: the stats of every column in one
   * statement (once per session), then the histogram of each named column in that order (the ones
   * on screen first), each reported to `onProfiles` as it is known. A page asked for meanwhile
   * goes first (`yielding`); a cancelled profile keeps what it computed for the next request.
   */
  async profile(
    names: readonly string[],
    signal: AbortSignal,
    onProfiles: (profiles: ColumnProfile[], snapshot: Snapshot) => void,
    onProgress?: (progress: SessionProgress) => void,
  ): Promise<void> {
    if (!this.shown) throw new Error('A profile is of the data the grid shows: load a page first.');
    const columns = await this.columns(signal);
    const wanted = names.map((name) => {
      const column = columns.find((candidate) => candidate.name === name);
      if (!column) throw new Error(`There is no column ${JSON.stringify(name)} in this result.`);
      return column;
    });
    const { profiles, snapshot: read } = await this.profileStats(columns, signal, onProgress);
    // What the statements read: the copy when there is one, else the source at the snapshot's version.
    let snapshot = read;
    onProfiles(
      wanted.map((column) => profiles.get(column.name) as ColumnProfile),
      snapshot,
    );
    const pending = wanted.filter((column) => needsHistogram(profiles.get(column.name) as ColumnProfile));
    for (const [i, column] of pending.entries()) {
      const current = profiles.get(column.name) as ColumnProfile;
      // Another request of this session may have computed it meanwhile.
      if (!needsHistogram(current)) continue;
      const phase = `Profiling ${column.name} (${i + 1} of ${pending.length})`;
      let updated: ColumnProfile;
      try {
        updated = await this.yielding(signal, (inner) =>
          this.over(inner, (source, options) => {
            snapshot = options.snapshot ?? snapshot;
            return profileHistogram(source, current, this.backend.dialect, (sql) => this.run(sql, inner, { scratch: options.scratch, ...progressOf(phase, onProgress) }));
          }),
        );
        profiles.set(column.name, updated);
      } catch (error) {
        if (isAbortError(error) || error instanceof DataChangedError) throw error;
        // One column's histogram failing leaves the others, and its stats, standing.
        updated = { ...current, error: errorMessage(error) };
      }
      onProfiles([updated], snapshot);
    }
  }

  /** The stats of every column (one statement, once per session; a cancelled one runs again for the next request). */
  private async profileStats(columns: QueryColumn[], signal: AbortSignal, onProgress?: (progress: SessionProgress) => void): Promise<{ profiles: Map<string, ColumnProfile>; snapshot: Snapshot }> {
    for (;;) {
      let computing = this.profiles;
      if (!computing) {
        const started = this.yielding(signal, async (inner) => {
          const rows = this.total ?? (await this.count(inner)).total;
          const exact = exactDistinct(rows, columns.length, this.options.exactDistinctCells);
          const phase = `Profiling ${columns.length.toLocaleString('en-US')} ${columns.length === 1 ? 'column' : 'columns'} of ${rows.toLocaleString('en-US')} rows`;
          let snapshot = this.shown as Snapshot;
          const result = await this.over(inner, (source, options) => {
            snapshot = options.snapshot ?? snapshot;
            return this.run(profileStatsSql(source, columns, this.backend.dialect, exact), inner, { scratch: options.scratch, ...progressOf(phase, onProgress) });
          });
          return { profiles: new Map(profilesFromStats(columns, this.backend.dialect, exact, result).map((profile) => [profile.column, profile])), snapshot };
        });
        computing = started;
        this.profiles = started;
        started.catch(() => {
          if (this.profiles === started) this.profiles = undefined;
        });
      }
      try {
        return await computing;
      } catch (error) {
        // Started for a request that was then cancelled: compute it again for this one.
        if (isAbortError(error) && !signal.aborted) continue;
        throw error;
      }
    }
  }

  /**
   * Runs work of low priority (a profile's statements) while no page is being read: a page
   * interrupts it, and it runs again once the page is shown, so that a click never waits for a
   * profile (a statement over every column of a large table takes seconds).
   */
  private async yielding<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (;;) {
      while (this.foreground > 0) await this.idle(signal);
      if (signal.aborted) throw abortError();
      const controller = new AbortController();
      const forward = (): void => controller.abort();
      signal.addEventListener('abort', forward, { once: true });
      this.yieldingWork.add(controller);
      try {
        return await work(controller.signal);
      } catch (error) {
        // Interrupted by a page, not cancelled: again, once the page is shown.
        if (controller.signal.aborted && !signal.aborted) continue;
        throw error;
      } finally {
        signal.removeEventListener('abort', forward);
        this.yieldingWork.delete(controller);
      }
    }
  }

  /** Resolves when no page is being read; rejects when the signal aborts first. */
  private idle(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.idleWaiters.delete(done);
        signal.removeEventListener('abort', cancelled);
        resolve();
      };
      const cancelled = (): void => {
        this.idleWaiters.delete(done);
        reject(abortError());
      };
      if (signal.aborted) return cancelled();
      this.idleWaiters.add(done);
      signal.addEventListener('abort', cancelled, { once: true });
    });
  }

  /** Drops what the session keeps in the scratch database. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.preempt();
    const tables = [...this.tables];
    this.tables.clear();
    await Promise.all([...this.indexes.values(), ...(this.copy ? [this.copy] : [])].map((pending) => (pending as Promise<unknown>).catch(() => undefined)));
    if (tables.length > 0 && this.backend.scratch) {
      await this.backend.run(tables.map((table) => `drop table if exists ${table}`).join('; '), new AbortController().signal, { scratch: true }).catch(() => undefined);
    }
  }
}

/** Names the sort index of a relation for a sort. */
const indexKey = (source: PreviewSource, sort: PreviewSort): string => `${sourceKey(source)}|${sortKey(sort)}`;

/** FNV-1a of a text, as 8 hex digits: a short name for a data version. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** A result over the copy budget. */
class BudgetError extends Error {
  override readonly name = 'BudgetError';
}

/** Run options that report a phase's progress, when someone listens. */
function progressOf(phase: string, onProgress: ((progress: SessionProgress) => void) | undefined): RunOptions {
  if (!onProgress) return {};
  onProgress({ phase });
  return { onProgress: (progress: QueryProgress) => onProgress({ phase, ...(progress.percentage !== undefined ? { percentage: progress.percentage } : {}) }) };
}
