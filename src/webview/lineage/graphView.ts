/// <reference lib="dom" />
/**
 * The lineage drawing: lanes with their headers, node boxes and routed edges in one SVG, panned
 * and zoomed by a transform. Only what is on screen (plus a margin) is in the DOM: boxes and
 * edges are added and removed as the view moves, so a project of thousands of models draws and
 * pans as fast as a small one. Zoomed far out, boxes lose their text (unreadable there) and are
 * drawn as plain shapes. Hovering a node lights up every path through it, upstream and
 * downstream; a column's trace lights up the nodes and edges it runs through.
 */
import type { ColumnTrace, TraceState } from '../../authoring/columnTrace';
import type { LayoutLane } from '../../authoring/lineageGraph';
import type { LineageEdgeView, LineageNodeView, NodeStatusView, ToLineage } from '../lineageProtocol';
import { el, svg } from '../preview/dom';
import { factsLine, LANE_TITLES, nodeTooltip, testsBadge, toneOf, truncate } from './format';
import { centreAt, edgePath, fitViewport, fitWidthViewport, intersects, NODE_HEIGHT, NODE_WIDTH, nodeRect, pointsRect, reachable, visibleRect, zoomAt, type Rect, type Viewport } from './geometry';

type GraphMessage = Extract<ToLineage, { type: 'graph' }>;

/** Below this zoom boxes are drawn without text. */
export const DETAIL_ZOOM = 0.4;
/** Height of the lane headers over the drawing. */
const HEADER_HEIGHT = 30;
/** Screen pixels drawn beyond each side of the view, so that a small pan shows no gap. */
const MARGIN = 200;
/** Characters that fit on a box's lines (13 px and 11 px text in 224 px). */
const LABEL_CHARS = 27;
const LINE_CHARS = 34;

interface EdgeItem {
  view: LineageEdgeView;
  rect: Rect;
}

/** How a node takes part in the column trace shown. */
interface TraceMark {
  columns: Array<{ name: string; state: TraceState }>;
  origin: boolean;
}

export interface GraphViewHandlers {
  /** A node was clicked (undefined: the background). */
  select(nodeId: string | undefined): void;
  /** A node was double-clicked, or Enter pressed on the selected one. */
  open(nodeId: string): void;
  /** The view moved (to save it). */
  moved(view: Viewport): void;
}

const STATE_RANK: Record<TraceState, number> = { traced: 0, root: 0, unknown: 1, unparsed: 2 };

export class GraphView {
  readonly element = el('div', 'graph');
  private readonly root = svg('svg', { class: 'graph-svg', role: 'img', 'aria-label': 'Lineage graph' });
  private readonly world = svg('g', { class: 'world' });
  private readonly bandLayer = svg('g', { class: 'bands' });
  private readonly edgeLayer = svg('g', { class: 'edges' });
  private readonly nodeLayer = svg('g', { class: 'nodes' });
  private readonly headers = el('div', 'lane-headers');
  private nodes: LineageNodeView[] = [];
  private readonly byId = new Map<string, LineageNodeView>();
  private edges: EdgeItem[] = [];
  private readonly edgeIndex = new Map<string, number>();
  private readonly parents = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();
  /** The nodes of each column, top to bottom (keyboard moves). */
  private readonly columns = new Map<number, LineageNodeView[]>();
  private lanes: LayoutLane[] = [];
  private bounds: Rect = { x0: 0, y0: 0, x1: 1, y1: 1 };
  private readonly drawnNodes = new Map<string, SVGGElement>();
  private readonly drawnEdges = new Map<number, SVGPathElement>();
  private view: Viewport = { x: 0, y: 0, k: 1 };
  private width = 0;
  private height = 0;
  private detail = true;
  private frame = 0;
  private selected: string | undefined;
  private hovered: string | undefined;
  private highlight: { nodes: Set<string>; up: Set<number>; down: Set<number> } | undefined;
  private trace: { marks: Map<string, TraceMark>; edges: Set<number> } | undefined;
  private drag: { x: number; y: number; from: Viewport; moved: boolean; nodeId: string | undefined } | undefined;

  constructor(private readonly handlers: GraphViewHandlers) {
    const defs = svg('defs');
    for (const kind of ['plain', 'up', 'down', 'trace']) {
      const marker = svg('marker', { id: `arrow-${kind}`, class: `arrow arrow-${kind}`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
      marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z' }));
      defs.append(marker);
    }
    this.world.append(this.bandLayer, this.edgeLayer, this.nodeLayer);
    this.root.append(defs, this.world);
    this.element.append(this.root, this.headers);
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'application');
    this.element.setAttribute('aria-roledescription', 'lineage graph');
    this.element.setAttribute('aria-label', 'Lineage graph: drag or arrow keys to pan, wheel or + and − to zoom, 0 to fit, Tab to the side panel');
    new ResizeObserver(() => {
      this.width = this.element.clientWidth;
      this.height = this.element.clientHeight;
      this.schedule();
    }).observe(this.element);
    this.element.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
    this.element.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    this.element.addEventListener('pointermove', (event) => this.onPointerMove(event));
    this.element.addEventListener('pointerup', (event) => this.onPointerUp(event));
    this.element.addEventListener('pointercancel', () => this.endDrag());
    this.element.addEventListener('dblclick', (event) => {
      const id = nodeIdOf(document.elementFromPoint(event.clientX, event.clientY));
      if (id) handlers.open(id);
    });
    this.nodeLayer.addEventListener('pointerover', (event) => {
      if (!this.drag) this.setHover(nodeIdOf(event.target));
    });
    this.nodeLayer.addEventListener('pointerout', (event) => {
      if (!this.drag) this.setHover(nodeIdOf(event.relatedTarget));
    });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  // -------------------------------------------------------------------------------------------
  // Data.

  /** Draws a new graph: keeps the view (`keep`), restores a saved one, or shows it whole. */
  setGraph(message: GraphMessage, placement: { keep?: boolean; restore?: Viewport | undefined; centre?: string | undefined }): void {
    this.nodes = message.nodes;
    this.byId.clear();
    this.parents.clear();
    this.children.clear();
    this.columns.clear();
    this.edgeIndex.clear();
    for (const node of this.nodes) {
      this.byId.set(node.id, node);
      const column = this.columns.get(node.column) ?? [];
      column.push(node);
      this.columns.set(node.column, column);
    }
    for (const column of this.columns.values()) column.sort((a, b) => a.row - b.row);
    this.edges = message.edges.map((view, index) => {
      this.edgeIndex.set(`${view.from}\u0000${view.to}`, index);
      (this.parents.get(view.to) ?? this.parents.set(view.to, []).get(view.to))?.push(view.from);
      (this.children.get(view.from) ?? this.children.set(view.from, []).get(view.from))?.push(view.to);
      return { view, rect: pointsRect(view.points) };
    });
    this.lanes = message.lanes;
    this.bounds = { x0: 0, y0: 0, x1: Math.max(1, message.width), y1: Math.max(1, message.height) };
    if (this.selected && !this.byId.has(this.selected)) this.selected = undefined;
    this.hovered = undefined;
    this.highlight = undefined;
    this.trace = undefined;
    this.drawLanes();
    this.clearDrawn();
    this.measure();
    if (placement.keep) {
      // the view stays where it was
    } else if (placement.restore) {
      this.view = placement.restore;
    } else {
      // The whole graph when it can be read so; else its full width from the top, or around the focus.
      this.fitView();
      const centre = placement.centre && this.byId.get(placement.centre);
      const byWidth = fitWidthViewport(this.bounds, this.width);
      if (centre && this.view.k < DETAIL_ZOOM) this.view = centreAt(centre.x, centre.y, this.width, this.height + HEADER_HEIGHT, 0.8);
      else if (this.view.k < DETAIL_ZOOM && byWidth.k >= DETAIL_ZOOM) this.view = { ...byWidth, y: byWidth.y + HEADER_HEIGHT };
    }
    this.render();
  }

  /** New badges: only the boxes drawn are redrawn. */
  updateStatus(statuses: ReadonlyArray<NodeStatusView & { id: string }>): void {
    for (const status of statuses) {
      const node = this.byId.get(status.id);
      if (!node) continue;
      Object.assign(node, { rows: status.rows, freshAt: status.freshAt, freshness: status.freshness, status: status.status });
      this.redrawNode(status.id);
    }
  }

  has(nodeId: string): boolean {
    return this.byId.has(nodeId);
  }

  node(nodeId: string): LineageNodeView | undefined {
    return this.byId.get(nodeId);
  }

  get viewport(): Viewport {
    return { ...this.view };
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  get edgeCount(): number {
    return this.edges.length;
  }

  // -------------------------------------------------------------------------------------------
  // Selection, hover, trace.

  /** Marks a node selected; `reveal` pans it into view when it is not. */
  select(nodeId: string | undefined, reveal = false): void {
    const previous = this.selected;
    this.selected = nodeId && this.byId.has(nodeId) ? nodeId : undefined;
    if (previous) this.restyleNode(previous);
    if (this.selected) {
      this.restyleNode(this.selected);
      if (reveal) this.reveal(this.selected);
    }
  }

  /** Centres a node, zooming in to read it when the view is zoomed out. */
  centreOn(nodeId: string): void {
    const node = this.byId.get(nodeId);
    if (!node) return;
    // The side panel may have just opened beside the graph: the size of now, not of the last frame.
    this.measure();
    this.setView(centreAt(node.x, node.y, this.width, this.height + HEADER_HEIGHT, Math.max(this.view.k, 0.8)));
  }

  /** Shows the nodes and edges a column's upstream runs through (undefined: none). */
  setTrace(trace: ColumnTrace | undefined): void {
    const before = this.trace;
    this.trace = undefined;
    if (trace) {
      const marks = new Map<string, TraceMark>();
      trace.columns.forEach((column, index) => {
        if (!column.nodeId) return;
        const mark = marks.get(column.nodeId) ?? { columns: [], origin: false };
        mark.columns.push({ name: column.column, state: column.state });
        if (index === 0) mark.origin = true;
        marks.set(column.nodeId, mark);
      });
      const edges = new Set<number>();
      for (const link of trace.links) {
        const from = trace.columns[link.from]?.nodeId;
        const to = trace.columns[link.to]?.nodeId;
        const edge = from && to ? this.edgeIndex.get(`${from}\u0000${to}`) : undefined;
        if (edge !== undefined) edges.add(edge);
      }
      this.trace = { marks, edges };
    }
    this.root.classList.toggle('tracing', this.trace !== undefined);
    for (const id of new Set([...(before?.marks.keys() ?? []), ...(this.trace?.marks.keys() ?? [])])) this.redrawNode(id);
    for (const [index, path] of this.drawnEdges) path.setAttribute('class', this.edgeClass(index));
  }

  private setHover(nodeId: string | undefined): void {
    if (nodeId === this.hovered) return;
    this.hovered = nodeId;
    this.highlight = undefined;
    if (nodeId) {
      const up = reachable(nodeId, this.parents);
      const down = reachable(nodeId, this.children);
      const upEdges = new Set<number>();
      const downEdges = new Set<number>();
      this.edges.forEach(({ view }, index) => {
        if (up.has(view.from) && (view.to === nodeId || up.has(view.to))) upEdges.add(index);
        if (down.has(view.to) && (view.from === nodeId || down.has(view.from))) downEdges.add(index);
      });
      this.highlight = { nodes: new Set([nodeId, ...up, ...down]), up: upEdges, down: downEdges };
    }
    this.root.classList.toggle('hovering', this.highlight !== undefined);
    for (const id of this.drawnNodes.keys()) this.restyleNode(id);
    for (const [index, path] of this.drawnEdges) path.setAttribute('class', this.edgeClass(index));
  }

  // -------------------------------------------------------------------------------------------
  // The view.

  /** Shows the whole graph. */
  fit(): void {
    this.measure();
    this.fitView();
    this.setView(this.view);
  }

  zoom(factor: number): void {
    this.setView(zoomAt(this.view, factor, this.width / 2, this.height / 2));
  }

  pan(dx: number, dy: number): void {
    this.setView({ ...this.view, x: this.view.x + dx, y: this.view.y + dy });
  }

  private fitView(): void {
    const view = fitViewport(this.bounds, this.width, this.height - HEADER_HEIGHT);
    this.view = { ...view, y: view.y + HEADER_HEIGHT };
  }

  private setView(view: Viewport): void {
    this.view = view;
    this.schedule();
    this.handlers.moved(this.viewport);
  }

  /** Pans just enough to bring a node into view. */
  private reveal(nodeId: string): void {
    const node = this.byId.get(nodeId);
    if (!node) return;
    this.measure();
    const box = nodeRect(node.x, node.y);
    const left = box.x0 * this.view.k + this.view.x;
    const right = box.x1 * this.view.k + this.view.x;
    const top = box.y0 * this.view.k + this.view.y;
    const bottom = box.y1 * this.view.k + this.view.y;
    if (left >= 0 && right <= this.width && top >= HEADER_HEIGHT && bottom <= this.height && this.view.k >= DETAIL_ZOOM) return;
    this.centreOn(nodeId);
  }

  private measure(): void {
    this.width = this.element.clientWidth;
    this.height = this.element.clientHeight;
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  // -------------------------------------------------------------------------------------------
  // Drawing.

  /** Puts what is on screen into the DOM and takes out what left it. */
  private render(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const { x, y, k } = this.view;
    this.world.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
    const detail = k >= DETAIL_ZOOM;
    if (detail !== this.detail) {
      this.detail = detail;
      this.root.classList.toggle('compact', !detail);
      // Boxes drawn without text get it now.
      if (detail) for (const id of [...this.drawnNodes.keys()]) this.redrawNode(id);
    }
    const visible = visibleRect(this.view, this.width, this.height, MARGIN);
    const freshNodes: SVGGElement[] = [];
    for (const node of this.nodes) {
      const on = intersects(nodeRect(node.x, node.y), visible);
      const drawn = this.drawnNodes.get(node.id);
      if (on && !drawn) {
        const group = this.drawNode(node);
        this.drawnNodes.set(node.id, group);
        freshNodes.push(group);
      } else if (!on && drawn) {
        drawn.remove();
        this.drawnNodes.delete(node.id);
      }
    }
    if (freshNodes.length > 0) this.nodeLayer.append(...freshNodes);
    const freshEdges: SVGPathElement[] = [];
    this.edges.forEach((edge, index) => {
      const on = intersects(edge.rect, visible);
      const drawn = this.drawnEdges.get(index);
      if (on && !drawn) {
        const path = svg('path', { class: this.edgeClass(index), d: edgePath(edge.view.points), 'data-from': edge.view.from, 'data-to': edge.view.to });
        this.drawnEdges.set(index, path);
        freshEdges.push(path);
      } else if (!on && drawn) {
        drawn.remove();
        this.drawnEdges.delete(index);
      }
    });
    if (freshEdges.length > 0) this.edgeLayer.append(...freshEdges);
    this.headers.querySelectorAll<HTMLElement>('.lane-header').forEach((header) => {
      const lane = this.lanes[Number(header.dataset.index)];
      if (!lane) return;
      header.style.left = `${lane.x * k + x}px`;
      header.style.width = `${lane.width * k}px`;
    });
  }

  private drawLanes(): void {
    const bands: SVGRectElement[] = [];
    const headers: HTMLElement[] = [];
    this.lanes.forEach((lane, index) => {
      // Far taller than any graph: the band never ends on screen.
      bands.push(svg('rect', { class: `band lane-${lane.lane}`, x: lane.x, y: -1e6, width: lane.width, height: 2e6 + this.bounds.y1 }));
      const count = this.nodes.filter((node) => node.lane === lane.lane).length;
      const header = el('div', `lane-header lane-${lane.lane}`);
      header.dataset.index = String(index);
      header.dataset.lane = lane.lane;
      header.append(el('span', 'lane-title', LANE_TITLES[lane.lane]), el('span', 'lane-count', count.toLocaleString('en-US')));
      header.title = `${LANE_TITLES[lane.lane]}: ${count.toLocaleString('en-US')} ${count === 1 ? 'node' : 'nodes'}`;
      headers.push(header);
    });
    this.bandLayer.replaceChildren(...bands);
    this.headers.replaceChildren(...headers);
  }

  private clearDrawn(): void {
    this.nodeLayer.replaceChildren();
    this.edgeLayer.replaceChildren();
    this.drawnNodes.clear();
    this.drawnEdges.clear();
  }

  private nodeClass(node: LineageNodeView): string {
    const classes = ['node', `kind-${node.kind}`, `lane-${node.lane}`];
    if (node.status && node.status.status !== 'not run') classes.push(`run-${toneOf(node.status.status)}`);
    if (node.id === this.selected) classes.push('selected');
    if (this.highlight?.nodes.has(node.id)) classes.push(node.id === this.hovered ? 'hl hl-self' : 'hl');
    const mark = this.trace?.marks.get(node.id);
    if (mark) {
      classes.push('traced');
      if (mark.origin) classes.push('trace-origin');
      const worst = mark.columns.reduce((state, column) => (STATE_RANK[column.state] > STATE_RANK[state] ? column.state : state), 'traced' as TraceState);
      if (worst !== 'traced') classes.push(`trace-${worst}`);
    }
    return classes.join(' ');
  }

  private edgeClass(index: number): string {
    const classes = ['edge'];
    if (this.highlight?.up.has(index)) classes.push('hl', 'hl-up');
    else if (this.highlight?.down.has(index)) classes.push('hl', 'hl-down');
    if (this.trace?.edges.has(index)) classes.push('traced');
    return classes.join(' ');
  }

  /**
   * A box; its text only when zoomed in enough to read it: the name and the last run's dot; the
   * materialization (or the traced columns) and the tests' result; rows, age and freshness.
   */
  private drawNode(node: LineageNodeView): SVGGElement {
    const group = svg('g', { class: this.nodeClass(node), transform: `translate(${node.x - NODE_WIDTH / 2},${node.y - NODE_HEIGHT / 2})`, 'data-id': node.id });
    group.append(svg('rect', { class: 'box', width: NODE_WIDTH, height: NODE_HEIGHT, rx: 4 }), svg('rect', { class: 'kind-bar', width: 4, height: NODE_HEIGHT - 8, x: 3, y: 4, rx: 2 }));
    if (!this.detail) return group;
    const now = Date.now();
    const text = (className: string, y: number, content: string, x = 13): SVGTextElement => {
      const element = svg('text', { class: className, x, y });
      element.textContent = content;
      return element;
    };
    const title = svg('title');
    title.textContent = nodeTooltip(node, now);
    const parts: SVGElement[] = [title];
    const run = node.status && node.status.status !== 'not run' ? node.status.status : undefined;
    if (run) parts.push(svg('circle', { class: `run-dot tone-${toneOf(run)}`, cx: NODE_WIDTH - 11, cy: 12, r: 4 }));
    parts.push(text('label', 17, truncate(node.label, LABEL_CHARS - (run ? 2 : 0))));
    const mark = this.trace?.marks.get(node.id);
    const tests = node.status?.tests;
    if (tests) {
      const badge = text(`tests tone-${toneOf(tests)}`, 31, testsBadge(tests), NODE_WIDTH - 8);
      badge.setAttribute('text-anchor', 'end');
      parts.push(badge);
    }
    const second = mark
      ? mark.columns.map((column) => (column.state === 'unknown' || column.state === 'unparsed' ? `${column.name} ?` : column.name)).join(', ')
      : (node.materialization ?? node.kind);
    parts.push(text(mark ? 'meta trace-columns' : 'meta', 31, truncate(second, LINE_CHARS - (tests ? 9 : 0))));
    const facts = factsLine(node, now);
    if (facts) parts.push(text('facts', 44, truncate(facts, LINE_CHARS - (node.freshness ? 2 : 0))));
    if (node.freshness) parts.push(svg('circle', { class: `fresh-dot freshness-${node.freshness}`, cx: NODE_WIDTH - 11, cy: 40, r: 3 }));
    group.append(...parts);
    return group;
  }

  private restyleNode(nodeId: string): void {
    const node = this.byId.get(nodeId);
    const group = this.drawnNodes.get(nodeId);
    if (node && group) group.setAttribute('class', this.nodeClass(node));
  }

  private redrawNode(nodeId: string): void {
    const node = this.byId.get(nodeId);
    const group = this.drawnNodes.get(nodeId);
    if (!node || !group) return;
    const fresh = this.drawNode(node);
    group.replaceWith(fresh);
    this.drawnNodes.set(nodeId, fresh);
  }

  // -------------------------------------------------------------------------------------------
  // Input.

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const bounds = this.element.getBoundingClientRect();
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaMode === 2 ? event.deltaY * this.height : event.deltaY;
    // A pinch on a trackpad arrives as a wheel with Ctrl and small deltas: zoom faster.
    const factor = Math.exp(-delta * (event.ctrlKey ? 0.01 : 0.0015));
    this.setView(zoomAt(this.view, factor, event.clientX - bounds.left, event.clientY - bounds.top));
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.element.focus({ preventScroll: true });
    this.drag = { x: event.clientX, y: event.clientY, from: this.viewport, moved: false, nodeId: nodeIdOf(event.target) };
    this.element.setPointerCapture(event.pointerId);
  }

  private onPointerMove(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      this.element.classList.add('panning');
    }
    this.setView({ ...drag.from, x: drag.from.x + dx, y: drag.from.y + dy });
  }

  private onPointerUp(event: PointerEvent): void {
    const drag = this.drag;
    this.endDrag();
    if (this.element.hasPointerCapture(event.pointerId)) this.element.releasePointerCapture(event.pointerId);
    if (drag && !drag.moved) this.handlers.select(drag.nodeId);
  }

  private endDrag(): void {
    this.drag = undefined;
    this.element.classList.remove('panning');
  }

  /** Arrows move the selection along the graph (or pan without one); + − zoom; 0 fits; Enter opens. */
  private onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const step = event.shiftKey ? 240 : 60;
    const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      const next = this.selected && this.neighbour(this.selected, event.key);
      if (this.selected) {
        if (next) this.handlers.select(next);
      } else {
        this.pan(move[0], move[1]);
      }
      return;
    }
    switch (event.key) {
      case '+':
      case '=':
        this.zoom(1.25);
        break;
      case '-':
      case '_':
        this.zoom(0.8);
        break;
      case '0':
        this.fit();
        break;
      case 'Enter':
        if (this.selected) this.handlers.open(this.selected);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  /** The node a key moves to: a parent (left), a child (right), the one above or below in the column. */
  private neighbour(nodeId: string, key: string): string | undefined {
    const node = this.byId.get(nodeId);
    if (!node) return undefined;
    const nearest = (ids: readonly string[]): string | undefined =>
      ids
        .map((id) => this.byId.get(id))
        .filter((candidate): candidate is LineageNodeView => candidate !== undefined)
        .sort((a, b) => Math.abs(a.y - node.y) - Math.abs(b.y - node.y) || a.x - b.x)[0]?.id;
    if (key === 'ArrowLeft') return nearest(this.parents.get(nodeId) ?? []);
    if (key === 'ArrowRight') return nearest(this.children.get(nodeId) ?? []);
    const column = this.columns.get(node.column) ?? [];
    const at = column.indexOf(node);
    return column[key === 'ArrowUp' ? at - 1 : at + 1]?.id;
  }
}

/** The node an element belongs to. */
function nodeIdOf(target: EventTarget | Element | null): string | undefined {
  const element = target instanceof Element ? target.closest('.node') : null;
  return element?.getAttribute('data-id') ?? undefined;
}
