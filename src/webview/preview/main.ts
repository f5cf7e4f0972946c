/// <reference lib="dom" />
/**
 * The preview webview: toolbar, virtualized grid, paging bar, chart tab and the loading, empty
 * and error states. Everything it shows arrives by `postMessage` and is put on the page as text;
 * every query it wants goes back as a message (the extension builds and runs the SQL).
 */
import type { Chart } from '../../warehouse/histogram';
import type { PreviewSort } from '../../warehouse/preview';
import type { Snapshot } from '../../warehouse/previewSession';
import type { ColumnProfile } from '../../warehouse/profile';
import { isNumericType, timeKind, toTsv, type PreviewValue, type QueryColumn } from '../../core/values';
import { parsePreviewState, type FromWebview, type PreviewState, type ToWebview } from '../protocol';
import { renderChart } from './chart';
import { button, el, icon, type IconName } from './dom';
import { formatCount, formatDuration, lastPageOffset, nextSort, rowRangeText, snapshotText } from './format';
import { Grid } from './grid';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: PreviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: FromWebview): void => vscode.postMessage(message);

// ---------------------------------------------------------------------------------------------
// State.

let state: PreviewState | undefined;
let pageSize = 200;
let columns: QueryColumn[] = [];
let rows: PreviewValue[][] = [];
let offset = 0;
let sort: PreviewSort | undefined;
let total: number | undefined;
let countState: 'counting' | 'known' | 'failed' = 'counting';
let loadedOnce = false;
let requestSeq = 0;
let pendingPage: { id: number; offset: number; sort: PreviewSort | undefined } | undefined;
let pendingChart: number | undefined;
let lastChart: Chart | undefined;
let view: 'grid' | 'chart' = 'grid';
let chartColumn: string | undefined;
let snapshot: Snapshot | undefined;
let pinned = false;
let waitingMessage: string | undefined;
const timings: { page?: number; count?: number; chart?: number; profile?: number } = {};
/** Column profiles shown under the headers (the toggle), of the snapshot `profileSnapshot`. */
let profileOn = false;
let profiles = new Map<string, ColumnProfile>();
let profileSnapshot: string | undefined;
let pendingProfile: number | undefined;
/** Why the profile stopped short (cancelled, failed, the data changed): it resumes only when asked. */
let profileHalt: string | undefined;

// ---------------------------------------------------------------------------------------------
// Page structure.

const grid = new Grid({
  sort: (column, nulls) => requestPage(0, nextSort(sort, column, nulls)),
  selectionChange: (cells) => {
    selectionText.textContent = cells > 1 ? `${formatCount(cells)} cells selected` : '';
  },
  copy: () => copySelection(),
  chart: (column) => {
    // A strip still waiting for its profile resumes it; one with its profile opens the full chart.
    if (!profiles.get(column)?.histogram && profileHalt !== undefined) {
      profileHalt = undefined;
      requestProfile();
      return;
    }
    showView('chart');
    requestChart(column);
  },
});

const app = el('div', 'app');
const toolbar = el('div', 'toolbar');
toolbar.setAttribute('role', 'toolbar');
toolbar.setAttribute('aria-label', 'Preview');

const tabs = el('div', 'tabs');
tabs.setAttribute('role', 'tablist');
const makeTab = (label: string, iconName: IconName, which: 'grid' | 'chart'): HTMLButtonElement => {
  const tab = button(label, iconName, () => showView(which), { className: 'tab' });
  tab.setAttribute('role', 'tab');
  tab.id = `tab-${which}`;
  tab.setAttribute('aria-controls', `panel-${which}`);
  return tab;
};
const dataTab = makeTab('Data', 'table', 'grid');
const chartTab = makeTab('Chart', 'chart', 'chart');
tabs.append(dataTab, chartTab);
tabs.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
  const next = view === 'grid' ? 'chart' : 'grid';
  showView(next);
  (next === 'grid' ? dataTab : chartTab).focus();
});

const source = el('div', 'source');
const cancelButton = button('Cancel', 'stop', () => cancel(), { className: 'secondary cancel' });
const refreshButton = button('Refresh', 'refresh', () => refresh(), { showLabel: false, className: 'icon-only' });
const copyButton = button('Copy', 'copy', () => copySelection(), { className: 'secondary' });
copyButton.title = 'Copy selected cells as tab-separated text (Ctrl+C)';
const exportButton = button('Export CSV', 'export', () => exportCsv());
exportButton.title = 'Export every row, in this order, to a CSV file';
const pinButton = button('Keep open', 'pin', () => setPinned(!pinned), { showLabel: false, className: 'icon-only pin' });
pinButton.title = 'Keep this preview open (otherwise the next preview shows in this panel)';
const profileButton = button('Profile', 'profile', () => setProfile(!profileOn), { className: 'secondary profile-toggle' });
profileButton.title = 'Profile every column under its header: NULLs, distinct values, range and histogram, computed over the whole result';
profileButton.setAttribute('aria-pressed', 'false');
toolbar.append(tabs, source, el('div', 'spacer'), cancelButton, refreshButton, pinButton, profileButton, copyButton, exportButton);

// A banner under the toolbar: the data changed since the snapshot, or dbt is rebuilding it.
const banner = el('div', 'banner');
banner.setAttribute('role', 'status');
banner.hidden = true;
const bannerText = el('span', 'banner-text');
const bannerRefresh = button('Refresh', 'refresh', () => refresh(), { className: 'secondary' });
banner.append(icon('info'), bannerText, bannerRefresh);

const progress = el('div', 'progress');
progress.setAttribute('role', 'progressbar');
progress.setAttribute('aria-label', 'Loading');
progress.setAttribute('aria-valuemin', '0');
progress.setAttribute('aria-valuemax', '100');
const progressBar = el('div', 'progress-bar');
progress.append(progressBar);

// Data panel: the grid under an overlay for the loading, empty and error states.
const dataPanel = el('section', 'panel data-panel');
dataPanel.id = 'panel-grid';
dataPanel.setAttribute('role', 'tabpanel');
dataPanel.setAttribute('aria-labelledby', 'tab-grid');
const overlay = el('div', 'overlay');
overlay.setAttribute('role', 'status');
dataPanel.append(grid.element, overlay);

// Chart panel.
const chartPanel = el('section', 'panel chart-panel');
chartPanel.id = 'panel-chart';
chartPanel.setAttribute('role', 'tabpanel');
chartPanel.setAttribute('aria-labelledby', 'tab-chart');
const chartControls = el('div', 'chart-controls');
const chartLabel = el('label', 'chart-label', 'Column');
const chartSelect = el('select', 'select');
chartSelect.id = 'chart-column';
chartLabel.htmlFor = chartSelect.id;
const chartInfo = el('span', 'chart-info');
chartControls.append(chartLabel, chartSelect, chartInfo);
const chartArea = el('div', 'chart-area');
chartArea.setAttribute('aria-live', 'polite');
chartPanel.append(chartControls, chartArea);
chartSelect.addEventListener('change', () => {
  const column = columns[Number(chartSelect.value)];
  if (column) requestChart(column.name);
});
new ResizeObserver(() => {
  if (lastChart && view === 'chart') drawChart(lastChart);
}).observe(chartArea);

// Status bar: paging, row range, timings, selection, notices.
const statusBar = el('footer', 'status-bar');
const firstButton = button('First page', 'first', () => goTo(0), { showLabel: false, className: 'icon-only' });
const prevButton = button('Previous page', 'prev', () => goTo(Math.max(0, offset - pageSize)), { showLabel: false, className: 'icon-only' });
const nextButton = button('Next page', 'next', () => goTo(offset + pageSize), { showLabel: false, className: 'icon-only' });
const lastButton = button('Last page', 'last', () => goTo(lastPageOffset(total, pageSize) ?? offset), { showLabel: false, className: 'icon-only' });
const pageInput = el('input', 'page-input');
pageInput.type = 'number';
pageInput.min = '1';
pageInput.setAttribute('aria-label', 'Page');
const pageOf = el('span', 'page-of');
const pager = el('div', 'pager');
pager.setAttribute('role', 'group');
pager.setAttribute('aria-label', 'Pages');
pager.append(firstButton, prevButton, el('span', 'page-label', 'Page'), pageInput, pageOf, nextButton, lastButton);
const rowsText = el('span', 'rows-text');
const timingText = el('span', 'timing-text');
const selectionText = el('span', 'selection-text');
const notice = el('span', 'notice');
notice.setAttribute('role', 'status');
notice.setAttribute('aria-live', 'polite');
const phaseText = el('span', 'phase-text');
const snapshotLabel = el('span', 'snapshot-text');
statusBar.append(pager, rowsText, phaseText, el('div', 'spacer'), notice, selectionText, snapshotLabel, timingText);
pageInput.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  const page = Math.floor(Number(pageInput.value));
  if (!Number.isFinite(page) || page < 1) return;
  const last = lastPageOffset(total, pageSize);
  const target = (page - 1) * pageSize;
  goTo(last === undefined ? target : Math.min(target, last));
});

const main = el('main', 'content');
main.append(progress, dataPanel, chartPanel);
app.append(toolbar, banner, main, statusBar);
document.body.append(app);

// ---------------------------------------------------------------------------------------------
// States.

function setBusy(busy: boolean): void {
  app.classList.toggle('busy', busy);
  progress.classList.toggle('active', busy);
  progress.classList.remove('determinate');
  progress.removeAttribute('aria-valuenow');
  cancelButton.hidden = !busy && pendingProfile === undefined;
  grid.element.setAttribute('aria-busy', String(busy));
  if (!busy) phaseText.textContent = '';
}

/** What a slow request is doing: a determinate bar when DuckDB can tell how far it is. */
function showProgress(phase: string, percentage: number | undefined): void {
  const text = percentage === undefined ? `${phase}…` : `${phase}… ${Math.floor(percentage)}%`;
  phaseText.textContent = text;
  if (percentage !== undefined) {
    progress.classList.add('determinate');
    progress.setAttribute('aria-valuenow', String(Math.floor(percentage)));
    progressBar.style.width = `${Math.min(100, Math.max(0, percentage))}%`;
  }
  if (!loadedOnce) showOverlay('loading', waitingMessage ? 'Waiting for dbt…' : text, waitingMessage ?? '', [button('Cancel', 'stop', () => cancel(), { className: 'secondary' })]);
}

/** The banner: the data changed since the snapshot (with Refresh), or why queries wait. */
function showBanner(kind: 'changed' | 'waiting' | 'none', text = ''): void {
  banner.hidden = kind === 'none';
  banner.className = `banner ${kind}`;
  bannerText.textContent = text;
  bannerRefresh.hidden = kind !== 'changed';
}

/** The overlay over the grid: hidden, or a message with an icon and actions. */
function showOverlay(kind: 'none' | 'loading' | 'empty' | 'error', title = '', detail = '', actions: HTMLElement[] = []): void {
  overlay.className = `overlay ${kind}`;
  overlay.hidden = kind === 'none';
  grid.element.classList.toggle('hidden-under-overlay', kind === 'loading' || kind === 'error');
  if (kind === 'none') {
    overlay.replaceChildren();
    return;
  }
  const box = el('div', 'overlay-box');
  if (kind === 'loading') box.append(el('div', 'spinner'));
  else box.append(icon(kind === 'error' ? 'error' : 'empty'));
  box.append(el('div', 'overlay-title', title));
  if (detail) {
    const text = el(kind === 'error' ? 'pre' : 'div', 'overlay-detail', detail);
    box.append(text);
  }
  if (actions.length > 0) {
    const row = el('div', 'overlay-actions');
    row.append(...actions);
    box.append(row);
  }
  overlay.replaceChildren(box);
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function showNotice(text: string, error = false): void {
  notice.textContent = text;
  notice.classList.toggle('error', error);
  if (noticeTimer) clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.textContent = ''), error ? 12_000 : 5_000);
}

function updateStatus(): void {
  const known = countState === 'known' ? total : undefined;
  rowsText.textContent = loadedOnce ? rowRangeText(offset, rows.length, known ?? (countState === 'counting' ? 'counting' : 'unknown')) : '';
  const pages = known === undefined ? undefined : Math.max(1, Math.ceil(known / pageSize));
  pageInput.value = String(Math.floor(offset / pageSize) + 1);
  if (pages !== undefined) pageInput.max = String(pages);
  pageOf.textContent = pages === undefined ? (countState === 'counting' ? 'of …' : '') : `of ${formatCount(pages)}`;
  const last = lastPageOffset(known, pageSize);
  const busy = pendingPage !== undefined;
  firstButton.disabled = busy || offset === 0;
  prevButton.disabled = busy || offset === 0;
  nextButton.disabled = busy || (known !== undefined ? offset + pageSize >= known : rows.length < pageSize);
  lastButton.disabled = busy || last === undefined || offset >= last;
  pageInput.disabled = busy || !loadedOnce;
  exportButton.disabled = !loadedOnce;
  copyButton.disabled = !loadedOnce || rows.length === 0;
  const parts: string[] = [];
  if (timings.page !== undefined) parts.push(`Query ${formatDuration(timings.page)}`);
  if (timings.count !== undefined) parts.push(`Count ${formatDuration(timings.count)}`);
  if (timings.profile !== undefined) parts.push(`Profile ${formatDuration(timings.profile)}`);
  timingText.textContent = parts.join(' · ');
  timingText.title = 'Time the warehouse took for this page, for the row count and for the column profiles';
}

function saveState(): void {
  if (!state) return;
  state = { ...state, offset, sort, view, ...(chartColumn ? { chartColumn } : {}), ...(profileOn ? { profile: true } : {}) };
  if (!profileOn) delete state.profile;
  vscode.setState(state);
}

// ---------------------------------------------------------------------------------------------
// Actions.

function requestPage(target: number, order: PreviewSort | undefined, recount = false): void {
  const id = ++requestSeq;
  pendingPage = { id, offset: target, sort: order };
  if (recount) {
    // A new snapshot: the extension drops the running profile with the old one.
    pendingProfile = undefined;
    countState = 'counting';
    total = undefined;
    timings.count = undefined;
    grid.setTotal(undefined);
  }
  setBusy(true);
  if (!loadedOnce) showOverlay('loading', 'Loading preview…', '', [button('Cancel', 'stop', () => cancel(), { className: 'secondary' })]);
  post({ type: 'requestPage', requestId: id, offset: target, ...(order ? { sort: order } : {}), ...(recount ? { recount: true } : {}) });
  updateStatus();
}

function goTo(target: number): void {
  if (target === offset && loadedOnce) return;
  requestPage(Math.max(0, target), sort);
}

function refresh(): void {
  requestPage(offset, sort, true);
  if (view === 'chart' && chartColumn) requestChart(chartColumn);
}

function setPinned(value: boolean): void {
  pinned = value;
  pinButton.setAttribute('aria-pressed', String(pinned));
  pinButton.classList.toggle('pressed', pinned);
  post({ type: 'pin', pinned });
}

function cancel(): void {
  if (pendingProfile !== undefined) {
    pendingProfile = undefined;
    profileHalt = 'Cancelled · click to resume';
    post({ type: 'cancelProfile' });
    showProfiles();
    if (!pendingPage) {
      cancelButton.hidden = true;
      phaseText.textContent = '';
      showNotice('Profile cancelled');
    }
  }
  if (!pendingPage) return;
  pendingPage = undefined;
  post({ type: 'cancel' });
  setBusy(false);
  if (!loadedOnce) showOverlay('error', 'Query cancelled', '', [button('Run again', 'refresh', () => refresh())]);
  else showNotice('Cancelled');
  updateStatus();
}

function copySelection(): void {
  const values = grid.selectedValues();
  const cells = values.reduce((sum, row) => sum + row.length, 0);
  if (cells === 0) {
    showNotice('Select cells to copy');
    return;
  }
  post({ type: 'copy', text: toTsv(values), cells });
}

function exportCsv(): void {
  post({ type: 'export', ...(sort ? { sort } : {}) });
}

/** Shows or hides the column profiles; shown, they are computed for what is missing. */
function setProfile(on: boolean): void {
  profileOn = on;
  profileButton.setAttribute('aria-pressed', String(on));
  profileButton.classList.toggle('pressed', on);
  app.classList.toggle('with-profile', on);
  if (on) {
    profileHalt = undefined;
    requestProfile();
  } else if (pendingProfile !== undefined) {
    // Hidden: no reason to keep the warehouse busy (what was computed is kept).
    pendingProfile = undefined;
    post({ type: 'cancelProfile' });
    if (!pendingPage) {
      cancelButton.hidden = true;
      phaseText.textContent = '';
    }
  }
  showProfiles();
  saveState();
}

/** The strips under the headers: the profiles known, and what the others are waiting for. */
function showProfiles(): void {
  const note = profileHalt ?? (pendingProfile !== undefined ? 'Profiling…' : '');
  grid.setProfiles(profileOn ? profiles : undefined, note);
}

/** Whether a column still lacks a profile with its histogram (spatial columns have none to compute). */
const incomplete = (column: QueryColumn): boolean => {
  const profile = profiles.get(column.name);
  return !profile || (!profile.histogram && profile.kind !== 'spatial');
};

/** Asks for the profiles of the columns that lack one, the columns on screen first. */
function requestProfile(): void {
  if (!profileOn || !loadedOnce || pendingProfile !== undefined || profileHalt !== undefined || !columns.some(incomplete)) return;
  pendingProfile = ++requestSeq;
  cancelButton.hidden = false;
  post({ type: 'profile', requestId: pendingProfile, columns: grid.columnOrder() });
  showProfiles();
}

/** The profile stopped: done, failed, cancelled or stale. */
function endProfile(halt: string | undefined): void {
  pendingProfile = undefined;
  profileHalt = halt;
  if (!pendingPage) {
    cancelButton.hidden = true;
    phaseText.textContent = '';
  }
  showProfiles();
  updateStatus();
}

function showView(which: 'grid' | 'chart'): void {
  view = which;
  dataTab.setAttribute('aria-selected', String(which === 'grid'));
  chartTab.setAttribute('aria-selected', String(which === 'chart'));
  dataTab.tabIndex = which === 'grid' ? 0 : -1;
  chartTab.tabIndex = which === 'chart' ? 0 : -1;
  dataPanel.hidden = which !== 'grid';
  chartPanel.hidden = which !== 'chart';
  if (which === 'chart') ensureChart();
  saveState();
}

function fillChartColumns(): void {
  const options = columns.map((column, i) => {
    const option = el('option', undefined, `${column.name} — ${column.type}${isNumericType(column.type) || timeKind(column.type) ? '' : ' (top values)'}`);
    option.value = String(i);
    return option;
  });
  chartSelect.replaceChildren(...options);
  const index = columns.findIndex((column) => column.name === chartColumn);
  if (index >= 0) chartSelect.value = String(index);
}

/** Shows the chart of the chosen column, or picks the first numeric one. */
function ensureChart(): void {
  if (columns.length === 0) {
    chartArea.replaceChildren(el('div', 'chart-message', loadedOnce ? 'No columns to chart.' : 'Waiting for the first page…'));
    return;
  }
  if (!chartColumn || !columns.some((column) => column.name === chartColumn)) {
    chartColumn = (columns.find((column) => isNumericType(column.type)) ?? columns[0])?.name;
  }
  fillChartColumns();
  if (chartColumn && lastChart?.column !== chartColumn && pendingChart === undefined) requestChart(chartColumn);
}

function requestChart(column: string): void {
  chartColumn = column;
  pendingChart = ++requestSeq;
  chartInfo.textContent = '';
  chartArea.replaceChildren(el('div', 'chart-message', `Computing ${column}…`));
  chartArea.classList.add('loading');
  post({ type: 'chart', requestId: pendingChart, column });
  saveState();
}

function drawChart(chart: Chart): void {
  if (chart.bars.length === 0) {
    chartArea.replaceChildren(el('div', 'chart-message', `${chart.column} has no values to chart.`));
    return;
  }
  renderChart(chartArea, chart, Math.max(320, chartArea.clientWidth - 32));
}

/** A reused panel shows another source: nothing of the previous one stays. */
function resetForSource(): void {
  columns = [];
  rows = [];
  total = undefined;
  countState = 'counting';
  loadedOnce = false;
  lastChart = undefined;
  snapshot = undefined;
  snapshotLabel.textContent = '';
  timings.page = undefined;
  timings.count = undefined;
  timings.profile = undefined;
  pendingChart = undefined;
  profiles = new Map();
  profileSnapshot = undefined;
  pendingProfile = undefined;
  profileHalt = undefined;
  grid.setData([], [], 0, undefined);
  showBanner('none');
  showOverlay('loading', 'Loading preview…');
}

// ---------------------------------------------------------------------------------------------
// Messages from the extension.

function onPage(message: Extract<ToWebview, { type: 'page' }>): void {
  if (message.requestId !== pendingPage?.id) return;
  pendingPage = undefined;
  const columnsChanged = message.columns.length !== columns.length || message.columns.some((column, i) => column.name !== columns[i]?.name);
  columns = message.columns;
  rows = message.rows;
  offset = message.offset;
  sort = message.sort;
  loadedOnce = true;
  timings.page = message.elapsedMs;
  // A page of another snapshot (a refresh) answers what the banner said.
  if (snapshot?.id !== message.snapshot.id && !banner.classList.contains('waiting')) showBanner('none');
  snapshot = message.snapshot;
  snapshotLabel.textContent = snapshotText(snapshot).short;
  snapshotLabel.title = snapshotText(snapshot).long;
  setBusy(false);
  grid.setData(columns, rows, offset, sort);
  if (rows.length === 0) {
    const first = offset > 0 ? [button('First page', 'first', () => goTo(0))] : [];
    showOverlay('empty', offset > 0 ? 'No rows on this page' : 'No rows', offset > 0 ? 'The result has fewer rows now.' : 'The table or query returned no rows.', first);
  } else {
    showOverlay('none');
  }
  if (columnsChanged) {
    lastChart = undefined;
    if (view === 'chart') ensureChart();
    else fillChartColumns();
  }
  // Profiles are of one snapshot: a page of another (a refresh) or of other columns starts them again.
  if ((profileSnapshot !== undefined && profileSnapshot !== snapshot.id) || columnsChanged) {
    profiles = new Map();
    profileSnapshot = undefined;
    pendingProfile = undefined;
    profileHalt = undefined;
    timings.profile = undefined;
  }
  showProfiles();
  requestProfile();
  saveState();
  updateStatus();
  // After the frame that paints it: the page is on screen.
  const shown = message.requestId;
  requestAnimationFrame(() => setTimeout(() => post({ type: 'rendered', requestId: shown }), 0));
}

window.addEventListener('message', (event: MessageEvent<ToWebview | null>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'init': {
      const saved = parsePreviewState(vscode.getState());
      const sameSource = saved && JSON.stringify(saved.source) === JSON.stringify(message.state.source);
      if (state && JSON.stringify(state.source) !== JSON.stringify(message.state.source)) resetForSource();
      pinned = message.pinned;
      pinButton.setAttribute('aria-pressed', String(pinned));
      pinButton.classList.toggle('pressed', pinned);
      state = message.state;
      pageSize = message.pageSize;
      offset = message.state.offset;
      sort = message.state.sort;
      view = (sameSource ? saved.view : message.state.view) ?? 'grid';
      chartColumn = (sameSource ? saved.chartColumn : message.state.chartColumn) ?? undefined;
      if (((sameSource ? saved.profile : message.state.profile) ?? false) !== profileOn) setProfile(!profileOn);
      source.textContent = message.description;
      source.title = message.description;
      document.title = message.state.title;
      showView(view);
      requestPage(offset, sort, true);
      return;
    }
    case 'page':
      onPage(message);
      return;
    case 'pageError':
      if (message.requestId !== pendingPage?.id) return;
      pendingPage = undefined;
      setBusy(false);
      showOverlay('error', 'The query failed', message.message, [button('Retry', 'refresh', () => refresh())]);
      updateStatus();
      return;
    case 'pageStale':
      if (message.requestId !== pendingPage?.id) return;
      pendingPage = undefined;
      setBusy(false);
      // The page shown stays: it is whole, of its snapshot. The new data comes with an explicit refresh.
      showBanner('changed', message.message);
      if (!loadedOnce) showOverlay('error', 'The data changed', message.message, [button('Refresh', 'refresh', () => refresh())]);
      updateStatus();
      return;
    case 'progress':
      if (message.requestId === pendingPage?.id) showProgress(message.phase, message.percentage);
      else if (message.requestId === pendingProfile) {
        if (!pendingPage) phaseText.textContent = message.percentage === undefined ? `${message.phase}…` : `${message.phase}… ${Math.floor(message.percentage)}%`;
      }
      else if (message.requestId === pendingChart) {
        chartArea.replaceChildren(el('div', 'chart-message', message.percentage === undefined ? `${message.phase}…` : `${message.phase}… ${Math.floor(message.percentage)}%`));
      }
      return;
    case 'dataChanged':
      showBanner('changed', message.message);
      return;
    case 'waiting':
      waitingMessage = message.message;
      if (message.message) {
        showBanner('waiting', message.message);
        if (!loadedOnce && pendingPage) showOverlay('loading', 'Waiting for dbt…', message.message, [button('Cancel', 'stop', () => cancel(), { className: 'secondary' })]);
      } else if (banner.classList.contains('waiting')) {
        showBanner('none');
        if (!loadedOnce && pendingPage) showOverlay('loading', 'Loading preview…', '', [button('Cancel', 'stop', () => cancel(), { className: 'secondary' })]);
      }
      return;
    case 'notice':
      showNotice(message.message);
      return;
    case 'count':
      total = message.total;
      countState = 'known';
      timings.count = message.elapsedMs;
      grid.setTotal(total);
      updateStatus();
      return;
    case 'countError':
      countState = 'failed';
      rowsText.title = `Counting failed: ${message.message}`;
      updateStatus();
      return;
    case 'chart':
      if (message.requestId !== pendingChart) return;
      pendingChart = undefined;
      lastChart = message.chart;
      timings.chart = message.elapsedMs;
      chartArea.classList.remove('loading');
      chartInfo.textContent = `${message.chart.kind === 'histogram' ? 'Histogram' : 'Most frequent values'} · ${formatCount(
        message.chart.bars.reduce((sum, bar) => sum + bar.count, 0),
      )} rows · ${formatDuration(message.elapsedMs)}`;
      drawChart(message.chart);
      return;
    case 'profile':
      // Only of the snapshot the grid shows: a profile of other data never mixes in.
      if (message.requestId !== pendingProfile || message.snapshot.id !== snapshot?.id) return;
      profileSnapshot = message.snapshot.id;
      for (const profile of message.profiles) profiles.set(profile.column, profile);
      showProfiles();
      return;
    case 'profileDone':
      if (message.requestId !== pendingProfile) return;
      timings.profile = message.elapsedMs;
      endProfile(undefined);
      return;
    case 'profileError':
      if (message.requestId !== pendingProfile) return;
      showNotice(`Profile failed: ${message.message}`, true);
      endProfile('Profile failed · click to retry');
      return;
    case 'profileStale':
      if (message.requestId !== pendingProfile) return;
      // The strips keep what is of the snapshot shown; the rest waits for an explicit refresh.
      showBanner('changed', message.message);
      endProfile('Data changed · Refresh');
      return;
    case 'chartError':
      if (message.requestId !== pendingChart) return;
      pendingChart = undefined;
      chartArea.classList.remove('loading');
      chartArea.replaceChildren(el('div', 'chart-message error', `Cannot chart ${message.column}: ${message.message}`));
      return;
    case 'copied':
      showNotice(`Copied ${formatCount(message.cells)} ${message.cells === 1 ? 'cell' : 'cells'}`);
      return;
    case 'exported':
      showNotice(`Exported ${formatCount(message.rows)} rows in ${formatDuration(message.elapsedMs)}`);
      return;
    case 'exportFailed':
      showNotice(message.message, true);
      return;
    case 'refresh':
      // Before `init` there is nothing to refresh: `init` loads the page anyway.
      if (state) refresh();
      return;
    case 'showProfile':
      if ((message.show ?? !profileOn) !== profileOn) setProfile(!profileOn);
      return;
  }
});

showView('grid');
showOverlay('loading', 'Loading preview…');
setBusy(true);
cancelButton.hidden = true;
updateStatus();
post({ type: 'ready' });
