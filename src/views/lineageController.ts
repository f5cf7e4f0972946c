/**
 * The lineage panel's conversation with its webview, without VS Code (the panel is a thin shell
 * around it, and the browser tests drive the real webview with it): it asks the injected data
 * source for the project's graph, focuses it n hops up and down, lays it out and posts it; it
 * answers a selected node with its details and column lineage, a selected column with its
 * upstream through the whole project, and passes Open / Preview / Build to the source. When the
 * project changes it posts only new badges if the nodes and edges shown are the same, so the
 * view never jumps under the user.
 */
import type { ModelLineage } from '../authoring/columnLineage';
import { NOT_COMPILED, traceColumn } from '../authoring/columnTrace';
import { focusSubgraph, layoutGraph, type GraphEdge, type GraphNode, type LineageGraph } from '../authoring/lineageGraph';
import {
  LINEAGE_LAYOUT,
  parseFromLineage,
  type Depth,
  type FreshnessState,
  type FromLineage,
  type LineageFocus,
  type LineageNodeDetails,
  type LineageNodeView,
  type NodeLineage,
  type NodeStatusView,
  type ToLineage,
} from '../webview/lineageProtocol';
import { errorLine } from '../core/errors';

export interface Subscription {
  dispose(): void;
}

/** An event as `vscode.Event` is one: listen, get something to dispose. */
export type Listen<T> = (listener: (value: T) => unknown) => Subscription;

/** A node of the project's graph with its status, as the data source gives it. */
export type LineageSourceNode = GraphNode & { freshness?: FreshnessState | undefined };

export interface LineageSourceGraph {
  nodes: LineageSourceNode[];
  edges: GraphEdge[];
}

/**
 * What the lineage panel needs of the extension. The panel focuses and lays out the graph itself
 * (one BFS and one layout for every source), so `graph()` is always the whole project.
 */
export interface LineageDataSource {
  /** The whole project's graph, each node with its last run, tests, freshness and rows where known. Throws (one line) when there is none yet. */
  graph(): Promise<LineageSourceGraph>;
  /** Description and columns of a node, or undefined when the project no longer has it. */
  details(nodeId: string): Promise<LineageNodeDetails | undefined>;
  /** Column lineage of a model's compiled SQL; undefined for a source, a seed or a model not compiled. */
  columnLineage(nodeId: string): Promise<ModelLineage | undefined>;
  open(nodeId: string): Promise<void>;
  preview(nodeId: string): Promise<void>;
  build(nodeId: string, downstream: boolean): Promise<void>;
  /** The manifest, the run results or the warehouse changed. */
  onDidChange?: Listen<void> | undefined;
  /** The node of the file in the active editor (for "follow the editor"). */
  activeNode?(): string | undefined;
  onDidChangeActiveNode?: Listen<string | undefined> | undefined;
}

/** Hops up and down a new focus reaches. */
export const DEFAULT_DEPTH = 2;

const hops = (depth: Depth): number => (depth === 'all' ? Number.POSITIVE_INFINITY : depth);

/** What the badges show of a node. */
function statusOf(node: LineageSourceNode): NodeStatusView & { id: string } {
  return { id: node.id, rows: node.rows, freshAt: node.freshAt, freshness: node.freshness, status: node.status };
}

/** Nodes and edges as drawn, without their status: equal signatures need no new layout. */
function signatureOf(graph: LineageGraph): string {
  return JSON.stringify([graph.nodes.map((node) => [node.id, node.label, node.kind, node.lane, node.materialization ?? '', node.file ?? '']), graph.edges.map((edge) => [edge.from, edge.to])]);
}

export class LineageController {
  private graphId = 0;
  /** The latest graph of the whole project. */
  private project: LineageSourceGraph | undefined;
  private byId = new Map<string, LineageSourceNode>();
  private shownSignature: string | undefined;
  private focusState: LineageFocus | undefined;
  private followState: boolean;
  private ready = false;
  private disposed = false;
  /** Newer requests of a kind make older answers stale. */
  private loads = 0;
  private selections = 0;
  private traces = 0;
  /** A reload asked for while one runs: run once more after it. */
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly source: LineageDataSource,
    private readonly post: (message: ToLineage) => void,
    state: { focus?: LineageFocus | undefined; follow?: boolean | undefined } = {},
    /** Errors of the user's actions (Open, Preview, Build), for the editor to show too. */
    private readonly reportError: (message: string) => void = () => undefined,
  ) {
    this.focusState = state.focus;
    this.followState = state.follow ?? false;
    if (source.onDidChange) this.subscriptions.push(source.onDidChange(() => void this.reload()));
    if (source.onDidChangeActiveNode) this.subscriptions.push(source.onDidChangeActiveNode((nodeId) => void this.followTo(nodeId)));
  }

  /** What the serializer needs to restore the panel. */
  get state(): { focus?: LineageFocus | undefined; follow: boolean } {
    return { focus: this.focusState, follow: this.followState };
  }

  /** Handles a message from the webview (checked here; anything malformed is dropped). */
  async receive(raw: unknown): Promise<FromLineage | undefined> {
    const message = parseFromLineage(raw);
    if (!message || this.disposed) return message;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.sendGraph('load');
        break;
      case 'refresh':
        await this.reload();
        break;
      case 'focus':
        this.focusState = message.focus;
        await this.sendGraph('focus');
        break;
      case 'follow':
        this.followState = message.enabled;
        if (message.enabled) await this.followTo(this.source.activeNode?.());
        break;
      case 'selectNode':
        await this.select(message.nodeId);
        break;
      case 'selectColumn':
        await this.trace(message.nodeId, message.column);
        break;
      case 'open':
        await this.act(`Open ${this.labelOf(message.nodeId)}`, () => this.source.open(message.nodeId));
        break;
      case 'preview':
        await this.act(`Preview ${this.labelOf(message.nodeId)}`, () => this.source.preview(message.nodeId));
        break;
      case 'build':
        await this.act(`Build ${this.labelOf(message.nodeId)}`, () => this.source.build(message.nodeId, message.downstream));
        break;
      case 'rendered':
        break;
    }
    return message;
  }

  /** Shows the nodes within `up` and `down` hops of `nodeId` (the editor's "Show lineage" of a model). */
  async focus(nodeId: string, up: Depth = this.focusState?.up ?? DEFAULT_DEPTH, down: Depth = this.focusState?.down ?? DEFAULT_DEPTH): Promise<void> {
    this.focusState = { nodeId, up, down };
    if (this.ready) await this.sendGraph('focus');
  }

  /** Loads the graph again: new badges only, or a new graph when nodes or edges changed. */
  async reload(): Promise<void> {
    if (!this.ready || this.disposed) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.sendGraph('change');
      } while (this.reloadAgain && !this.disposed);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = undefined;
    }
  }

  private async sendGraph(reason: 'load' | 'focus' | 'change'): Promise<void> {
    const load = ++this.loads;
    let project: LineageSourceGraph;
    try {
      project = await this.source.graph();
    } catch (error) {
      if (load === this.loads && !this.disposed) {
        this.shownSignature = undefined;
        this.post({ type: 'error', message: errorLine(error) });
      }
      return;
    }
    if (load !== this.loads || this.disposed) return;
    this.project = project;
    this.byId = new Map(project.nodes.map((node) => [node.id, node]));
    let notice: string | undefined;
    const focus = this.focusState;
    if (focus && !this.byId.has(focus.nodeId)) {
      notice = `${focus.nodeId} is no longer in the project: the whole project is shown.`;
      this.focusState = undefined;
    }
    const shown: LineageGraph = this.focusState ? focusSubgraph(project, this.focusState.nodeId, hops(this.focusState.up), hops(this.focusState.down)) : project;
    const signature = signatureOf(shown);
    if (reason === 'change' && signature === this.shownSignature) {
      this.post({ type: 'status', nodes: (shown.nodes as LineageSourceNode[]).map(statusOf) });
      return;
    }
    const layout = layoutGraph(shown, LINEAGE_LAYOUT);
    const position = new Map(layout.nodes.map((node) => [node.id, node]));
    const nodes: LineageNodeView[] = (shown.nodes as LineageSourceNode[]).map((node) => {
      const at = position.get(node.id);
      return { ...statusOf(node), label: node.label, kind: node.kind, lane: node.lane, materialization: node.materialization, file: node.file, x: at?.x ?? 0, y: at?.y ?? 0, column: at?.column ?? 0, row: at?.row ?? 0 };
    });
    this.shownSignature = signature;
    this.post({
      type: 'graph',
      graphId: ++this.graphId,
      reason,
      focus: this.focusState,
      follow: this.followState,
      nodes,
      edges: layout.edges.map((edge) => ({ from: edge.from, to: edge.to, points: edge.points.flatMap((point) => [point.x, point.y]) })),
      lanes: layout.lanes,
      width: layout.width,
      height: layout.height,
      catalog: shown === project ? undefined : project.nodes.map((node) => ({ id: node.id, label: node.label, lane: node.lane, kind: node.kind })),
      notice,
    });
  }

  private labelOf(nodeId: string): string {
    return this.byId.get(nodeId)?.label ?? nodeId;
  }

  /** Why a node has no lineage of its own, or its lineage. */
  private async lineageOf(nodeId: string): Promise<NodeLineage> {
    const lineage = await this.source.columnLineage(nodeId);
    if (lineage) return lineage;
    const kind = this.byId.get(nodeId)?.kind;
    if (kind === 'source') return { status: 'none', reason: 'a source: its columns are where the lineage starts' };
    if (kind === 'seed') return { status: 'none', reason: 'a seed: its columns come from its CSV file' };
    return { status: 'none', reason: NOT_COMPILED };
  }

  private async select(nodeId: string): Promise<void> {
    const selection = ++this.selections;
    try {
      const details = await this.source.details(nodeId);
      if (selection !== this.selections || this.disposed) return;
      if (!details) {
        this.post({ type: 'notice', message: `${this.labelOf(nodeId)} is no longer in the project.`, error: true });
        return;
      }
      this.post({ type: 'details', nodeId, details });
      const lineage = await this.lineageOf(nodeId);
      if (selection !== this.selections || this.disposed) return;
      this.post({ type: 'lineage', nodeId, lineage });
    } catch (error) {
      if (selection === this.selections && !this.disposed) this.post({ type: 'lineage', nodeId, lineage: { status: 'none', reason: `column lineage failed: ${errorLine(error)}` } });
    }
  }

  private async trace(nodeId: string, column: string): Promise<void> {
    const request = ++this.traces;
    try {
      const trace = await traceColumn(
        { nodeId, column },
        {
          lineage: (id) => this.source.columnLineage(id),
          hasSql: (id) => {
            const kind = this.byId.get(id)?.kind;
            return kind === 'model' || kind === 'snapshot';
          },
        },
      );
      if (request === this.traces && !this.disposed) this.post({ type: 'trace', nodeId, column, trace });
    } catch (error) {
      if (request === this.traces && !this.disposed) this.post({ type: 'notice', message: `Cannot trace ${column}: ${errorLine(error)}`, error: true });
    }
  }

  private async act(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const message = `${what}: ${errorLine(error)}`;
      if (!this.disposed) this.post({ type: 'notice', message, error: true });
      this.reportError(message);
    }
  }

  /** The editor shows another node: focus on it (or, without a focus, centre it). */
  private async followTo(nodeId: string | undefined): Promise<void> {
    if (!this.followState || !this.ready || nodeId === undefined || this.disposed) return;
    if (this.project && !this.byId.has(nodeId)) return;
    if (!this.focusState) {
      this.post({ type: 'reveal', nodeId });
      return;
    }
    if (this.focusState.nodeId === nodeId) return;
    this.focusState = { ...this.focusState, nodeId };
    await this.sendGraph('focus');
  }

  dispose(): void {
    this.disposed = true;
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
  }
}
