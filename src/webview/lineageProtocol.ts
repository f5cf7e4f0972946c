/**
 * Every message between the lineage panel (extension host) and its webview: one discriminated
 * union each way, imported by both sides, plus the state the webview saves for the serializer.
 * Types, and the validators the extension runs on what the webview sends (a webview is untrusted
 * input like any other).
 */
import type { ModelLineage } from '../authoring/columnLineage';
import type { ColumnTrace } from '../authoring/columnTrace';
import type { GraphNode, Lane, LayoutLane } from '../authoring/lineageGraph';
import type { IndexedKind } from '../authoring/projectIndex';
import type { NodeStatus } from '../core/layers';

/** The layout's cells: each node box sits in one, with room around it for the edges. */
export const LINEAGE_LAYOUT = { columnWidth: 264, rowHeight: 64 } as const;

/** Hops up or down from the focused node; `all`: as far as the graph goes. */
export type Depth = number | 'all';

/** The node the view is centred on and how far up and down it reaches. */
export interface LineageFocus {
  nodeId: string;
  up: Depth;
  down: Depth;
}

/** A source's freshness against its `warn_after` / `error_after`. */
export type FreshnessState = 'pass' | 'warn' | 'error';

/** What a node's badge shows; every part is optional. */
export interface NodeStatusView {
  rows?: number | undefined;
  /** Latest `_fivetran_synced` for bronze, the last build for models (ISO). */
  freshAt?: string | undefined;
  freshness?: FreshnessState | undefined;
  /** Last run of the node, with the worst result of its tests. */
  status?: NodeStatus | undefined;
}

/** A node as drawn: the graph's node, its badge, its centre (x, y) and cell from the layout. */
export interface LineageNodeView extends GraphNode, NodeStatusView {
  x: number;
  y: number;
  column: number;
  row: number;
}

export interface LineageEdgeView {
  from: string;
  to: string;
  /** The routed polyline, flat: x0, y0, x1, y1, … from the source's centre to the target's. */
  points: number[];
}

/** A node of the whole project, for the search box (which also finds nodes outside the focus). */
export interface LineageEntry {
  id: string;
  label: string;
  lane: Lane;
  kind: IndexedKind;
}

export interface LineageColumn {
  name: string;
  type?: string | undefined;
  description?: string | undefined;
}

/** The side panel's facts about a node. */
export interface LineageNodeDetails {
  description?: string | undefined;
  /** The catalog's columns (the warehouse's truth), else those documented in YAML. */
  columns: LineageColumn[];
  /** Data tests attached to the node. */
  tests?: number | undefined;
}

/** Why a node has no column lineage of its own. */
export type NodeLineage = ModelLineage | { status: 'none'; reason: string };

/** Extension → webview. */
export type ToLineage =
  /**
   * The graph to draw, laid out. `reason`: `load` (first graph of this webview: restore the saved
   * view), `focus` (another focus: show it whole), `change` (the project changed: keep the view).
   */
  | {
      type: 'graph';
      graphId: number;
      reason: 'load' | 'focus' | 'change';
      focus?: LineageFocus | undefined;
      follow: boolean;
      nodes: LineageNodeView[];
      edges: LineageEdgeView[];
      lanes: LayoutLane[];
      width: number;
      height: number;
      /** Every node of the project, for the search; absent when `nodes` already are the whole project. */
      catalog?: LineageEntry[] | undefined;
      notice?: string | undefined;
    }
  /** New badges for the nodes shown (a dbt run ended, an upload): nothing moves. */
  | { type: 'status'; nodes: Array<NodeStatusView & { id: string }> }
  | { type: 'details'; nodeId: string; details: LineageNodeDetails }
  | { type: 'lineage'; nodeId: string; lineage: NodeLineage }
  | { type: 'trace'; nodeId: string; column: string; trace: ColumnTrace }
  /** Follow the editor without a focus: centre and select this node. */
  | { type: 'reveal'; nodeId: string }
  /** The graph could not be loaded (no manifest yet, a broken one). */
  | { type: 'error'; message: string }
  | { type: 'notice'; message: string; error?: boolean | undefined };

/** Webview → extension. */
export type FromLineage =
  | { type: 'ready' }
  /** Show the nodes around `focus`, or the whole project without one. */
  | { type: 'focus'; focus?: LineageFocus | undefined }
  /** Focus on the model of the active editor as it changes. */
  | { type: 'follow'; enabled: boolean }
  | { type: 'selectNode'; nodeId: string }
  | { type: 'selectColumn'; nodeId: string; column: string }
  | { type: 'open'; nodeId: string }
  | { type: 'preview'; nodeId: string }
  | { type: 'build'; nodeId: string; downstream: boolean }
  | { type: 'refresh' }
  /** A graph is on screen (after the frame that paints it), `ms` after its message arrived. */
  | { type: 'rendered'; graphId: number; ms: number };

/** What the webview keeps with `setState`: the serializer restores the panel from it after a reload. */
export interface LineageState {
  version: 1;
  focus?: LineageFocus | undefined;
  follow: boolean;
  selected?: string | undefined;
  viewport?: { x: number; y: number; k: number } | undefined;
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 2_000;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Hops a focus may ask for (a dbt project deeper than this is shown whole with `all`). */
export const MAX_DEPTH = 1_000;

export function isDepth(value: unknown): value is Depth {
  return value === 'all' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_DEPTH);
}

/** A valid focus with only its known fields, or undefined. */
export function parseFocus(value: unknown): LineageFocus | undefined {
  if (!isObject(value) || !isId(value.nodeId) || !isDepth(value.up) || !isDepth(value.down)) return undefined;
  return { nodeId: value.nodeId, up: value.up, down: value.down };
}

/** The saved state of a lineage webview, or undefined when it is missing or not ours. */
export function parseLineageState(value: unknown): LineageState | undefined {
  if (!isObject(value) || value.version !== 1) return undefined;
  const state: LineageState = { version: 1, follow: value.follow === true };
  const focus = parseFocus(value.focus);
  if (focus) state.focus = focus;
  if (isId(value.selected)) state.selected = value.selected;
  const viewport = value.viewport;
  if (isObject(viewport) && isFiniteNumber(viewport.x) && isFiniteNumber(viewport.y) && isFiniteNumber(viewport.k) && viewport.k > 0) {
    state.viewport = { x: viewport.x, y: viewport.y, k: viewport.k };
  }
  return state;
}

/** A message from the webview, checked field by field, or undefined. */
export function parseFromLineage(value: unknown): FromLineage | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
    case 'refresh':
      return { type: value.type };
    case 'focus': {
      if (value.focus === undefined || value.focus === null) return { type: 'focus' };
      const focus = parseFocus(value.focus);
      return focus ? { type: 'focus', focus } : undefined;
    }
    case 'follow':
      return typeof value.enabled === 'boolean' ? { type: 'follow', enabled: value.enabled } : undefined;
    case 'selectNode':
    case 'open':
    case 'preview':
      return isId(value.nodeId) ? { type: value.type, nodeId: value.nodeId } : undefined;
    case 'selectColumn':
      return isId(value.nodeId) && isId(value.column) ? { type: 'selectColumn', nodeId: value.nodeId, column: value.column } : undefined;
    case 'build':
      return isId(value.nodeId) && typeof value.downstream === 'boolean' ? { type: 'build', nodeId: value.nodeId, downstream: value.downstream } : undefined;
    case 'rendered':
      return typeof value.graphId === 'number' && Number.isSafeInteger(value.graphId) && isFiniteNumber(value.ms) && value.ms >= 0 ? { type: 'rendered', graphId: value.graphId, ms: value.ms } : undefined;
    default:
      return undefined;
  }
}
