/// <reference lib="dom" />
/**
 * The lineage webview: a toolbar (search, focus and its depths, follow the editor, zoom), the
 * graph, the selected node's side panel and a status line. Everything it shows arrives by
 * `postMessage` and goes on the page as text (SVG text too); everything it wants done goes back
 * as a message (the extension reads the project and runs dbt).
 */
import {
  parseLineageState,
  type Depth,
  type FromLineage,
  type LineageEntry,
  type LineageFocus,
  type LineageState,
  type ToLineage,
} from '../lineageProtocol';
import { el } from '../preview/dom';
import { depthText, LANE_TITLES, searchNodes } from './format';
import { GraphView } from './graphView';
import { lineageIcon } from './icons';
import { iconButton, SidePanel, type NodeAction } from './sidePanel';

interface VsCodeApi {
  postMessage(message: FromLineage): void;
  getState(): unknown;
  setState(state: LineageState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: FromLineage): void => vscode.postMessage(message);

const DEPTHS: Depth[] = [0, 1, 2, 3, 4, 5, 10, 'all'];
const DEFAULT_DEPTH: Depth = 2;

// ---------------------------------------------------------------------------------------------
// State.

let state: LineageState = parseLineageState(vscode.getState()) ?? { version: 1, follow: false };
/** The state saved before this page loaded (the view to restore with the first graph). */
const saved = state;
let loaded = false;
let catalog: LineageEntry[] = [];
const catalogById = new Map<string, LineageEntry>();
let focus: LineageFocus | undefined = state.focus;
/** A node picked in the search but outside the view: selected once its focus arrives. */
let pendingSelect: string | undefined;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function save(now = false): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  const write = (): void => vscode.setState((state = { version: 1, focus, follow: state.follow, selected: side.shown, viewport: loaded ? graph.viewport : state.viewport }));
  if (now) write();
  else saveTimer = setTimeout(write, 250);
}

// ---------------------------------------------------------------------------------------------
// Page structure.

const graph = new GraphView({
  select: (nodeId) => select(nodeId, false),
  open: (nodeId) => post({ type: 'open', nodeId }),
  moved: () => save(),
});

const side = new SidePanel({
  action: (action, nodeId) => act(action, nodeId),
  selectColumn: (nodeId, column) => post({ type: 'selectColumn', nodeId, column }),
  goTo: (nodeId) => goTo(nodeId),
  close: () => select(undefined, false),
  labelOf: (nodeId, relation) => (nodeId ? (catalogById.get(nodeId)?.label ?? nodeId) : (relation ?? '')),
  inView: (nodeId) => graph.has(nodeId),
});

const app = el('div', 'app');
const toolbar = el('div', 'toolbar');
toolbar.setAttribute('role', 'toolbar');
toolbar.setAttribute('aria-label', 'Lineage');

// Search: any node of the project; one outside the view is focused on.
const search = el('div', 'search');
const searchInput = el('input', 'search-input');
searchInput.type = 'search';
searchInput.placeholder = 'Find a model or source';
searchInput.setAttribute('aria-label', 'Find a node (/)');
searchInput.setAttribute('role', 'combobox');
searchInput.setAttribute('aria-autocomplete', 'list');
searchInput.setAttribute('aria-expanded', 'false');
searchInput.setAttribute('aria-controls', 'search-results');
const results = el('ul', 'search-results');
results.id = 'search-results';
results.setAttribute('role', 'listbox');
results.hidden = true;
search.append(lineageIcon('search'), searchInput, results);
let matches: LineageEntry[] = [];
let activeMatch = 0;

const focusGroup = el('div', 'focus-group');
focusGroup.setAttribute('role', 'group');
focusGroup.setAttribute('aria-label', 'Focus');
const focusLabel = el('span', 'focus-label');
const depthSelect = (label: string, className: string): HTMLSelectElement => {
  const select = el('select', `select ${className}`);
  select.setAttribute('aria-label', label);
  select.title = label;
  for (const depth of DEPTHS) {
    const option = el('option', undefined, depthText(depth));
    option.value = depthText(depth);
    select.append(option);
  }
  select.value = depthText(DEFAULT_DEPTH);
  select.addEventListener('change', () => {
    if (focus) requestFocus({ ...focus, up: depthOf(upSelect), down: depthOf(downSelect) });
  });
  return select;
};
const upSelect = depthSelect('Hops upstream', 'depth-up');
const downSelect = depthSelect('Hops downstream', 'depth-down');
const focusButton = iconButton('Focus on selected', 'focus', () => side.shown && requestFocus({ nodeId: side.shown, up: depthOf(upSelect), down: depthOf(downSelect) }), { showLabel: false, className: 'icon-only focus-selected' });
const wholeButton = iconButton('Whole project', 'project', () => requestFocus(undefined), { className: 'secondary whole-project' });
const followButton = iconButton('Follow the editor', 'follow', () => setFollow(!state.follow), { showLabel: false, className: 'icon-only follow' });
followButton.title = 'Follow the editor: focus on the model of the active file';
focusGroup.append(focusLabel, el('span', 'depth-label', '↑'), upSelect, el('span', 'depth-label', '↓'), downSelect, focusButton, wholeButton, followButton);

const zoomOut = iconButton('Zoom out (−)', 'zoomOut', () => graph.zoom(0.8), { showLabel: false, className: 'icon-only zoom-out' });
const zoomIn = iconButton('Zoom in (+)', 'zoomIn', () => graph.zoom(1.25), { showLabel: false, className: 'icon-only zoom-in' });
const fitButton = iconButton('Fit to view (0)', 'fit', () => graph.fit(), { showLabel: false, className: 'icon-only fit' });
const refreshButton = iconButton('Refresh', 'refresh', () => post({ type: 'refresh' }), { showLabel: false, className: 'icon-only refresh' });
toolbar.append(search, focusGroup, el('div', 'spacer'), zoomOut, zoomIn, fitButton, refreshButton);

const overlay = el('div', 'overlay');
overlay.setAttribute('role', 'status');
const stage = el('main', 'stage');
stage.append(graph.element, overlay);
const body = el('div', 'body');
body.append(stage, side.element);

const statusBar = el('footer', 'status-bar');
const countText = el('span', 'count-text');
const notice = el('span', 'notice');
notice.setAttribute('role', 'status');
notice.setAttribute('aria-live', 'polite');
const drawnText = el('span', 'drawn-text');
const announcer = el('span', 'visually-hidden');
announcer.setAttribute('aria-live', 'polite');
statusBar.append(countText, el('div', 'spacer'), notice, drawnText, announcer);

app.append(toolbar, body, statusBar);
document.body.append(app);

// ---------------------------------------------------------------------------------------------
// Actions.

function depthOf(select: HTMLSelectElement): Depth {
  return select.value === 'all' ? 'all' : Number(select.value);
}

function requestFocus(next: LineageFocus | undefined): void {
  post({ type: 'focus', ...(next ? { focus: next } : {}) });
}

function setFollow(enabled: boolean): void {
  state = { ...state, follow: enabled };
  followButton.setAttribute('aria-pressed', String(enabled));
  followButton.classList.toggle('pressed', enabled);
  post({ type: 'follow', enabled });
  save(true);
}

/** Selects a node (undefined: nothing): the side panel shows it and asks for its details. */
function select(nodeId: string | undefined, reveal: boolean): void {
  const node = nodeId ? graph.node(nodeId) : undefined;
  graph.setTrace(undefined);
  side.clearColumn();
  graph.select(node?.id, reveal);
  if (!node) {
    side.hide();
  } else {
    side.show(node);
    post({ type: 'selectNode', nodeId: node.id });
    announcer.textContent = `Selected ${node.label}, ${node.kind} in ${LANE_TITLES[node.lane]}`;
  }
  focusButton.disabled = !node;
  save();
}

/** Selects a node in the view, or focuses on it when it is outside. */
function goTo(nodeId: string): void {
  if (graph.has(nodeId)) {
    select(nodeId, false);
    graph.centreOn(nodeId);
    return;
  }
  pendingSelect = nodeId;
  requestFocus({ nodeId, up: depthOf(upSelect), down: depthOf(downSelect) });
}

function act(action: NodeAction, nodeId: string): void {
  switch (action) {
    case 'open':
    case 'preview':
      post({ type: action, nodeId });
      return;
    case 'build':
    case 'buildDownstream':
      post({ type: 'build', nodeId, downstream: action === 'buildDownstream' });
      return;
    case 'focus':
      requestFocus({ nodeId, up: depthOf(upSelect), down: depthOf(downSelect) });
      return;
  }
}

function showNotice(text: string, error = false): void {
  notice.textContent = text;
  notice.classList.toggle('error', error);
}

/** The overlay over the graph: hidden, or a message with actions. */
function showOverlay(kind: 'none' | 'loading' | 'error' | 'empty', title = '', detail = ''): void {
  overlay.className = `overlay ${kind}`;
  overlay.hidden = kind === 'none';
  if (kind === 'none') {
    overlay.replaceChildren();
    return;
  }
  const box = el('div', 'overlay-box');
  if (kind === 'loading') box.append(el('div', 'spinner'));
  box.append(el('div', 'overlay-title', title));
  if (detail) box.append(el('div', 'overlay-detail', detail));
  if (kind === 'error') box.append(iconButton('Retry', 'refresh', () => post({ type: 'refresh' }), { className: 'secondary' }));
  overlay.replaceChildren(box);
}

function updateFocusControls(): void {
  const label = focus ? (catalogById.get(focus.nodeId)?.label ?? focus.nodeId) : undefined;
  focusLabel.textContent = label ? `Focus: ${label}` : 'Whole project';
  focusLabel.title = label ? `${label}: ${depthText(focus?.up ?? 0)} up, ${depthText(focus?.down ?? 0)} down` : 'Every node of the project';
  if (focus) {
    upSelect.value = depthText(focus.up);
    downSelect.value = depthText(focus.down);
  }
  wholeButton.disabled = !focus;
}

// Search box.
function showMatches(): void {
  matches = searchNodes(catalog, searchInput.value);
  activeMatch = 0;
  results.hidden = matches.length === 0 && !searchInput.value.trim();
  searchInput.setAttribute('aria-expanded', String(!results.hidden));
  if (results.hidden) return;
  if (matches.length === 0) {
    results.replaceChildren(el('li', 'search-empty', 'No node matches'));
    return;
  }
  results.replaceChildren(
    ...matches.map((entry, index) => {
      const option = el('li', 'search-option');
      option.id = `search-option-${index}`;
      option.setAttribute('role', 'option');
      option.dataset.id = entry.id;
      option.append(el('span', 'search-label', entry.label), el('span', 'search-lane', LANE_TITLES[entry.lane]));
      if (!graph.has(entry.id)) option.append(el('span', 'search-outside', 'focus'));
      // Keeps the input's focus: the pick happens on pointerdown.
      option.addEventListener('pointerdown', (event) => {
        event.preventDefault();
        pick(index);
      });
      return option;
    }),
  );
  markActive();
}

function markActive(): void {
  results.querySelectorAll('.search-option').forEach((option, index) => option.setAttribute('aria-selected', String(index === activeMatch)));
  searchInput.setAttribute('aria-activedescendant', matches.length > 0 ? `search-option-${activeMatch}` : '');
}

function closeSearch(): void {
  results.hidden = true;
  searchInput.setAttribute('aria-expanded', 'false');
}

function pick(index: number): void {
  const entry = matches[index];
  if (!entry) return;
  closeSearch();
  searchInput.value = entry.label;
  goTo(entry.id);
}

searchInput.addEventListener('input', () => showMatches());
searchInput.addEventListener('focus', () => searchInput.value && showMatches());
searchInput.addEventListener('blur', () => closeSearch());
searchInput.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    if (matches.length === 0) return;
    activeMatch = (activeMatch + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
    markActive();
  } else if (event.key === 'Enter') {
    event.preventDefault();
    pick(activeMatch);
  } else if (event.key === 'Escape') {
    closeSearch();
    graph.element.focus();
  }
});

document.addEventListener('keydown', (event) => {
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
  if ((event.key === '/' && !typing) || (event.key === 'f' && (event.ctrlKey || event.metaKey))) {
    event.preventDefault();
    searchInput.focus();
    searchInput.select();
  } else if (event.key === 'Escape' && !typing && side.shown) {
    select(undefined, false);
  }
});

// ---------------------------------------------------------------------------------------------
// Messages from the extension.

function onGraph(message: Extract<ToLineage, { type: 'graph' }>): void {
  const started = performance.now();
  const first = !loaded;
  catalog = message.catalog ?? message.nodes.map((node) => ({ id: node.id, label: node.label, lane: node.lane, kind: node.kind }));
  catalogById.clear();
  for (const entry of catalog) catalogById.set(entry.id, entry);
  focus = message.focus;
  if (state.follow !== message.follow) setFollowPressed(message.follow);
  updateFocusControls();
  const sameFocus = JSON.stringify(saved.focus ?? null) === JSON.stringify(message.focus ?? null);
  const keep = message.reason === 'change' && !first;
  graph.setGraph(message, { keep, restore: first && sameFocus ? saved.viewport : undefined, centre: message.focus?.nodeId });
  loaded = true;
  if (message.nodes.length === 0) showOverlay('empty', 'No models or sources', 'The project has no nodes to draw yet: add a model, then run dbt parse.');
  else showOverlay('none');
  // Who is selected now: the node searched for, the focus of a new focus, the one selected before.
  const previous = side.shown ?? (first ? saved.selected : undefined);
  const column = side.column;
  const chosen = pendingSelect ?? (message.reason === 'focus' ? message.focus?.nodeId : previous);
  pendingSelect = undefined;
  if (chosen && graph.has(chosen)) {
    select(chosen, message.reason !== 'focus');
    // The project changed under a traced column: trace it again.
    if (message.reason === 'change' && chosen === previous && column) side.reselectColumn(column);
  } else {
    select(undefined, false);
  }
  const shown = message.nodes.length;
  const total = catalog.length;
  countText.textContent = `${shown.toLocaleString('en-US')} ${shown === 1 ? 'node' : 'nodes'}${shown < total ? ` of ${total.toLocaleString('en-US')}` : ''} · ${graph.edgeCount.toLocaleString('en-US')} edges`;
  if (message.notice) showNotice(message.notice);
  save(true);
  // After the frame that paints it: the graph is on screen.
  const graphId = message.graphId;
  requestAnimationFrame(() =>
    setTimeout(() => {
      const ms = performance.now() - started;
      drawnText.textContent = `drawn in ${Math.round(ms).toLocaleString('en-US')} ms`;
      post({ type: 'rendered', graphId, ms });
    }, 0),
  );
}

function setFollowPressed(enabled: boolean): void {
  state = { ...state, follow: enabled };
  followButton.setAttribute('aria-pressed', String(enabled));
  followButton.classList.toggle('pressed', enabled);
}

window.addEventListener('message', (event: MessageEvent<ToLineage | null>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'graph':
      onGraph(message);
      return;
    case 'status':
      graph.updateStatus(message.nodes);
      if (side.shown) {
        const node = graph.node(side.shown);
        if (node) side.updateStatus(node);
      }
      return;
    case 'details':
      side.setDetails(message.nodeId, message.details);
      return;
    case 'lineage':
      side.setLineage(message.nodeId, message.lineage);
      return;
    case 'trace':
      if (message.nodeId !== side.shown || message.column !== side.column) return;
      graph.setTrace(message.trace);
      side.setTrace(message.nodeId, message.column, message.trace);
      return;
    case 'reveal':
      if (graph.has(message.nodeId)) {
        select(message.nodeId, false);
        graph.centreOn(message.nodeId);
      }
      return;
    case 'error':
      if (!loaded) showOverlay('error', 'No lineage to show', message.message);
      else showNotice(message.message, true);
      return;
    case 'notice':
      showNotice(message.message, message.error === true);
      return;
  }
});

setFollowPressed(state.follow);
focusButton.disabled = true;
updateFocusControls();
showOverlay('loading', 'Loading lineage…');
post({ type: 'ready' });
