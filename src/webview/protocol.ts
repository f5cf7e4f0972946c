/**
 * Every message between the preview panel (extension host) and its webview: one discriminated
 * union each way, imported by both sides. Types only, plus the validators the extension uses,
 * because a webview is untrusted input like any other.
 */
import type { Chart } from '../warehouse/histogram';
import type { PreviewSort, PreviewSource } from '../warehouse/preview';
import type { Snapshot } from '../warehouse/previewSession';
import type { ColumnProfile } from '../warehouse/profile';
import type { PreviewValue, QueryColumn } from '../core/values';

/** What the webview keeps with `setState`: enough for the serializer to restore the panel after a reload. */
export interface PreviewState {
  version: 1;
  title: string;
  source: PreviewSource;
  offset: number;
  sort?: PreviewSort;
  view?: 'grid' | 'chart';
  chartColumn?: string;
  /** The column profiles are shown under the headers. */
  profile?: boolean;
}

/** Extension → webview. */
export type ToWebview =
  /**
   * Answer to `ready`, or a new source in a reused panel: what to show; the webview then asks for
   * the page at `state.offset`. `pinned`: the panel keeps its source (otherwise the next preview reuses it).
   */
  | { type: 'init'; state: PreviewState; pageSize: number; dialect: 'duckdb' | 'snowflake'; description: string; pinned: boolean }
  | { type: 'page'; requestId: number; offset: number; sort?: PreviewSort; columns: QueryColumn[]; rows: PreviewValue[][]; elapsedMs: number; snapshot: Snapshot }
  | { type: 'pageError'; requestId: number; message: string }
  /** The page asked for belongs to another version of the data than the snapshot shown: refresh to see it. */
  | { type: 'pageStale'; requestId: number; message: string }
  /** What a slow request (page, count, chart) is doing, with DuckDB's estimate when it has one. */
  | { type: 'progress'; requestId: number; phase: string; percentage?: number }
  | { type: 'count'; total: number; elapsedMs: number }
  | { type: 'countError'; message: string }
  | { type: 'chart'; requestId: number; chart: Chart; elapsedMs: number }
  | { type: 'chartError'; requestId: number; column: string; message: string }
  /** Profiles of columns, as they are known (the stats of all first, then each histogram), of the snapshot they read. */
  | { type: 'profile'; requestId: number; snapshot: Snapshot; profiles: ColumnProfile[] }
  | { type: 'profileDone'; requestId: number; elapsedMs: number }
  | { type: 'profileError'; requestId: number; message: string }
  /** The data changed since the snapshot the grid shows: a profile of it cannot be computed any more (refresh). */
  | { type: 'profileStale'; requestId: number; message: string }
  | { type: 'exported'; file: string; rows: number; elapsedMs: number }
  | { type: 'exportFailed'; message: string }
  | { type: 'copied'; cells: number }
  /** The data changed since the snapshot shown (a dbt run, an upload): the grid offers a refresh, it never reloads by itself. */
  | { type: 'dataChanged'; message: string }
  /** Why queries wait (dbt is rebuilding the warehouse), or `undefined` when they no longer do. */
  | { type: 'waiting'; message?: string }
  /** Something worth knowing about how pages are read (a result too large to copy). */
  | { type: 'notice'; message: string }
  /** Load the current page and the count again (the source was previewed again). */
  | { type: 'refresh' }
  /** Show (or hide) the column profiles; `show` undefined: toggle (the command palette's "Toggle column profiles"). */
  | { type: 'showProfile'; show?: boolean };

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  /** A page; `recount` starts a new snapshot (first load, refresh) and counts it. A newer request cancels an older one. */
  | { type: 'requestPage'; requestId: number; offset: number; sort?: PreviewSort; recount?: boolean }
  /** Cancel the running page query. */
  | { type: 'cancel' }
  /** Cell text (TSV) for the clipboard. */
  | { type: 'copy'; text: string; cells: number }
  /** Export every row, in the current order, to a CSV file the user picks. */
  | { type: 'export'; sort?: PreviewSort }
  | { type: 'chart'; requestId: number; column: string }
  /** Profile these columns (in this order: the ones on screen first) over the snapshot the grid shows. A newer request cancels an older one. */
  | { type: 'profile'; requestId: number; columns: string[] }
  /** Cancel the running profile (what it computed is kept for the next request). */
  | { type: 'cancelProfile' }
  /** Keep this panel for its source (a pinned panel is never reused for another preview). */
  | { type: 'pin'; pinned: boolean }
  /** A page is on screen (after the frame that shows it): what "first page shown" is measured to. */
  | { type: 'rendered'; requestId: number };

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown, max = 1_000_000): value is string => typeof value === 'string' && value.length <= max;
const optional = <T>(value: unknown, check: (value: unknown) => value is T): boolean => value === undefined || check(value);

/** A valid sort, or false. */
export function isPreviewSort(value: unknown): value is PreviewSort {
  return (
    isObject(value) &&
    isText(value.column, 10_000) &&
    (value.direction === 'asc' || value.direction === 'desc') &&
    (value.nulls === undefined || value.nulls === 'first' || value.nulls === 'last')
  );
}

/** The sort with only its known fields (a webview could send more). */
const cleanSort = (sort: PreviewSort): PreviewSort => ({ column: sort.column, direction: sort.direction, ...(sort.nulls ? { nulls: sort.nulls } : {}) });

/** A valid source (names and query text are quoted or wrapped later; here only their shape is checked). */
export function isPreviewSource(value: unknown): value is PreviewSource {
  if (!isObject(value)) return false;
  if (value.kind === 'table') {
    return (
      isText(value.schema, 10_000) &&
      isText(value.name, 10_000) &&
      optional(value.database, (v): v is string => isText(v, 10_000)) &&
      (value.tableType === undefined || value.tableType === 'table' || value.tableType === 'view')
    );
  }
  return value.kind === 'query' && isText(value.sql);
}

/** The saved state of a webview, or undefined when it is missing or not ours. */
export function parsePreviewState(value: unknown): PreviewState | undefined {
  if (!isObject(value) || value.version !== 1 || !isText(value.title, 10_000) || !isPreviewSource(value.source) || !isCount(value.offset)) return undefined;
  if (!optional(value.sort, isPreviewSort)) return undefined;
  const state: PreviewState = { version: 1, title: value.title, source: value.source, offset: value.offset };
  if (value.sort !== undefined) state.sort = cleanSort(value.sort as PreviewSort);
  if (value.view === 'grid' || value.view === 'chart') state.view = value.view;
  if (isText(value.chartColumn, 10_000)) state.chartColumn = value.chartColumn;
  if (value.profile === true) state.profile = true;
  return state;
}

/** A message from the webview, checked field by field, or undefined. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
    case 'cancel':
    case 'cancelProfile':
      return { type: value.type };
    case 'requestPage':
      if (!isCount(value.requestId) || !isCount(value.offset) || !optional(value.sort, isPreviewSort)) return undefined;
      return {
        type: 'requestPage',
        requestId: value.requestId,
        offset: value.offset,
        ...(value.sort ? { sort: cleanSort(value.sort as PreviewSort) } : {}),
        ...(value.recount === true ? { recount: true } : {}),
      };
    case 'copy':
      return isText(value.text, 50_000_000) && isCount(value.cells) ? { type: 'copy', text: value.text, cells: value.cells } : undefined;
    case 'export':
      return optional(value.sort, isPreviewSort) ? { type: 'export', ...(value.sort ? { sort: cleanSort(value.sort as PreviewSort) } : {}) } : undefined;
    case 'chart':
      return isCount(value.requestId) && isText(value.column, 10_000) ? { type: 'chart', requestId: value.requestId, column: value.column } : undefined;
    case 'profile':
      return isCount(value.requestId) && Array.isArray(value.columns) && value.columns.length <= 10_000 && value.columns.every((column) => isText(column, 10_000))
        ? { type: 'profile', requestId: value.requestId, columns: value.columns }
        : undefined;
    case 'pin':
      return typeof value.pinned === 'boolean' ? { type: 'pin', pinned: value.pinned } : undefined;
    case 'rendered':
      return isCount(value.requestId) ? { type: 'rendered', requestId: value.requestId } : undefined;
    default:
      return undefined;
  }
}
