/// <reference lib="dom" />
/**
 * A stand-in for VS Code around the real webviews: a tiny HTTP server serves the pages the panels
 * render (same HTML, same CSP, same bundles and stylesheets), Chromium loads them with the Dark
 * Modern theme variables and a fake `acquireVsCodeApi`, and a fake extension answers the
 * preview's messages from an in-memory table (the lineage tests answer with the real controller).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createNonce, previewHtml, webviewHtml } from '../../src/webview/html';
import type { FromWebview, PreviewState, ToWebview } from '../../src/webview/protocol';
import type { Chart } from '../../src/warehouse/histogram';
import type { PreviewSort } from '../../src/warehouse/preview';
import type { Snapshot } from '../../src/warehouse/previewSession';
import { profileKind, type ColumnProfile } from '../../src/warehouse/profile';
import { isNumericType, type PreviewValue, type QueryColumn } from '../../src/core/values';

const root = join(__dirname, '..', '..');

/** Flags from ENVIRONMENT.md. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The variables VS Code sets for the Dark Modern theme (the ones the stylesheet uses). */
export const DARK_MODERN: Record<string, string> = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  '--vscode-editor-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-selectionBackground': '#264f78',
  '--vscode-editor-inactiveSelectionBackground': '#3a3d41',
  '--vscode-editorGroup-border': '#ffffff17',
  '--vscode-editorGroupHeader-tabsBackground': '#181818',
  '--vscode-editorLineNumber-foreground': '#6e7681',
  '--vscode-editorLineNumber-activeForeground': '#cccccc',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-panelTitle-activeBorder': '#0078d4',
  '--vscode-sideBar-background': '#181818',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-border': '#ffffff12',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-toolbar-hoverBackground': '#5a5d5e50',
  '--vscode-icon-foreground': '#cccccc',
  '--vscode-input-background': '#313131',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-inputValidation-errorBorder': '#be1100',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-progressBar-background': '#0078d4',
  '--vscode-scrollbarSlider-background': '#79797966',
  '--vscode-sash-hoverBorder': '#0078d4',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-tree-tableColumnsBorder': '#cccccc20',
  '--vscode-tree-tableOddRowsBackground': '#cccccc0a',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-purple': '#b180d7',
};

/** Serves the webview pages and their resources; nothing else. */
export async function startServer(): Promise<{ server: Server; origin: string }> {
  const files: Record<string, [string, string]> = {};
  for (const name of ['preview', 'lineage']) {
    files[`/dist/webview/${name}.js`] = [join(root, 'dist', 'webview', `${name}.js`), 'text/javascript'];
    files[`/media/${name}.css`] = [join(root, 'media', `${name}.css`), 'text/css'];
  }
  let origin = '';
  const pages: Record<string, () => string> = {
    '/preview.html': () => previewHtml({ cspSource: origin, nonce: createNonce(), scriptUri: `${origin}/dist/webview/preview.js`, styleUri: `${origin}/media/preview.css` }),
    '/lineage.html': () =>
      webviewHtml({ cspSource: origin, nonce: createNonce(), scriptUri: `${origin}/dist/webview/lineage.js`, styleUri: `${origin}/media/lineage.css`, title: 'Lineage' }),
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', origin).pathname;
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const page = pages[path];
    if (page) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page());
      return;
    }
    const file = files[path];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[1] });
    response.end(readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

/** Collects what should never happen on a webview page: dialogs (dismissed), page errors, console errors and warnings, failed requests. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  return problems;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

export interface Dataset {
  columns: QueryColumn[];
  rows: PreviewValue[][];
}

export const XSS_PRODUCT = '<img src=x onerror=alert(1)>';
export const SCRIPT_PRODUCT = '"><script>window.__pwned = 1</script>';
export const INJECTION_COLUMN = 'x"; drop table y; --';

/** 10,000 products × 30 columns, with markup, quotes, tabs, newlines, emoji, RTL text and NULLs. */
export function productDataset(rowCount = 10_000): Dataset {
  const columns: QueryColumn[] = [
    { name: 'product_id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'price', type: 'DECIMAL(10,2)' },
    { name: 'inventory', type: 'BIGINT' },
    { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'is_active', type: 'BOOLEAN' },
    { name: 'notes', type: 'VARCHAR' },
    { name: INJECTION_COLUMN, type: 'VARCHAR' },
    { name: 'weight_kg', type: 'DOUBLE' },
    { name: 'tags', type: 'VARCHAR[]' },
  ];
  for (let i = columns.length; i < 30; i++) columns.push({ name: `metric_${String(i).padStart(2, '0')}`, type: i % 3 === 0 ? 'VARCHAR' : 'DOUBLE' });
  const special: Record<number, string> = { 2: XSS_PRODUCT, 3: SCRIPT_PRODUCT, 4: 'Tab\there & "quotes"', 5: 'line one\nline two', 6: 'مرحبا بالعالم', 7: '🌵 Cactus 🌵' };
  const rows: PreviewValue[][] = [];
  for (let r = 0; r < rowCount; r++) {
    const row: PreviewValue[] = [
      r + 1,
      special[r] ?? `Plant ${r + 1}`,
      Math.round((3 + 120 * (((r * 7919) % 10_000) / 10_000) ** 2.2) * 100) / 100,
      (r * 31) % 500,
      `2024-${String((r % 12) + 1).padStart(2, '0')}-${String((r % 28) + 1).padStart(2, '0')} 10:${String(r % 60).padStart(2, '0')}:00+00`,
      r % 3 !== 0,
      r % 5 === 0 ? null : `note ${r}`,
      `v${r % 7}`,
      Math.round(((r * 104729) % 5000) / 7) / 100,
      JSON.stringify(['indoor', r % 2 === 0 ? 'succulent' : 'fern']),
    ];
    for (let c = row.length; c < columns.length; c++) row.push(c % 3 === 0 ? `${columns[c]?.name}-${r % 97}` : Math.round(Math.sin(r + c) * 100000) / 100);
    rows.push(row);
  }
  return { columns, rows };
}

function compare(a: PreviewValue, b: PreviewValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The rows in the order the warehouse would return them (NULLS LAST, ties by position). */
export function sortRows(dataset: Dataset, sort: PreviewSort | undefined): PreviewValue[][] {
  if (!sort) return dataset.rows;
  const index = dataset.columns.findIndex((column) => column.name === sort.column);
  const sign = sort.direction === 'desc' ? -1 : 1;
  return dataset.rows
    .map((row, position) => ({ row, position }))
    .sort((a, b) => {
      const av = a.row[index] ?? null;
      const bv = b.row[index] ?? null;
      if (av === null || bv === null) return compare(av, bv) || a.position - b.position;
      return sign * compare(av, bv) || a.position - b.position;
    })
    .map((entry) => entry.row);
}

/**
 * Gives the page a fake `acquireVsCodeApi` whose messages go to `receive` (and a `setState` kept
 * in `window.__state`), the theme's variables, and a record of CSP violations; call before `goto`.
 */
export async function installVsCodeApi(page: Page, receive: (message: unknown) => unknown): Promise<void> {
  await page.exposeFunction('__toHost', receive);
  // A string, not a function: tsx would wrap a function's inner names in a helper the page lacks.
  await page.addInitScript(`(() => {
    const theme = ${JSON.stringify(DARK_MODERN)};
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (message) => void window.__toHost(message),
      getState: () => window.__state,
      setState: (state) => void (window.__state = state),
    });
    const apply = () => {
      for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
      if (document.body) document.body.classList.add('vscode-dark');
    };
    if (document.documentElement) apply();
    document.addEventListener('DOMContentLoaded', apply);
  })();`);
}

declare global {
  interface Window {
    __toHost(message: unknown): Promise<void>;
    __violations: string[];
    __state: unknown;
    __pwned?: number;
    acquireVsCodeApi(): unknown;
  }
}

/** The extension's side of the conversation, answering from a dataset; records every message. */
export class FakeHost {
  readonly received: FromWebview[] = [];
  /** Next page request fails with this message. */
  failNextPage: string | undefined;
  /** Counts wait for this before answering (to see "counting…"). */
  countGate: Promise<void> = Promise.resolve();
  /** Pages wait for this before answering (to see progress and cancel). */
  pageGate: Promise<void> = Promise.resolve();
  /** The next page request belongs to another data version: answered with this message. */
  staleNextPage: string | undefined;
  /** Histograms of a profile wait for this (the stats of every column are sent first): to see progress and cancel. */
  profileGate: Promise<void> = Promise.resolve();
  /** The next profile finds the data changed after its stats: answered with this message. */
  staleNextProfile: string | undefined;
  readonly state: PreviewState = { version: 1, title: 'gold.products', source: { kind: 'table', schema: 'gold', name: 'products' }, offset: 0 };
  /** The snapshot pages say they show (a refresh takes a new one). */
  snapshot: Snapshot = { id: 'live-1', kind: 'live', takenAt: Date.UTC(2024, 5, 1, 10, 42, 13) };

  constructor(
    private readonly page: Page,
    public dataset: Dataset,
    readonly pageSize = 200,
  ) {}

  /** Installs the fake `acquireVsCodeApi`, the theme and the CSP listener; call before `goto`. */
  install(): Promise<void> {
    return installVsCodeApi(this.page, (message) => this.receive(message as FromWebview));
  }

  send(message: ToWebview): Promise<void> {
    return this.page.evaluate((data) => window.postMessage(data, '*'), message);
  }

  /** Messages of one type, in order. */
  of<T extends FromWebview['type']>(type: T): Extract<FromWebview, { type: T }>[] {
    return this.received.filter((message): message is Extract<FromWebview, { type: T }> => message.type === type);
  }

  private async receive(message: FromWebview): Promise<void> {
    this.received.push(message);
    switch (message.type) {
      case 'ready':
        await this.send({ type: 'init', state: this.state, pageSize: this.pageSize, dialect: 'duckdb', description: 'gold.products · DuckDB', pinned: false });
        return;
      case 'requestPage': {
        await this.pageGate;
        if (this.staleNextPage) {
          const stale = this.staleNextPage;
          this.staleNextPage = undefined;
          await this.send({ type: 'pageStale', requestId: message.requestId, message: stale });
          return;
        }
        if (message.recount && this.received.filter((received) => received.type === 'requestPage' && received.recount).length > 1) {
          // A refresh takes a new snapshot.
          this.snapshot = { ...this.snapshot, id: `live-${Number(this.snapshot.id.split('-')[1]) + 1}` };
        }
        if (this.failNextPage) {
          const error = this.failNextPage;
          this.failNextPage = undefined;
          await this.send({ type: 'pageError', requestId: message.requestId, message: error });
          return;
        }
        const rows = sortRows(this.dataset, message.sort).slice(message.offset, message.offset + this.pageSize);
        await this.send({
          type: 'page',
          requestId: message.requestId,
          offset: message.offset,
          ...(message.sort ? { sort: message.sort } : {}),
          columns: this.dataset.columns,
          rows,
          elapsedMs: 12.4,
          snapshot: this.snapshot,
        });
        if (message.recount) {
          await this.countGate;
          await this.send({ type: 'count', total: this.dataset.rows.length, elapsedMs: 3.2 });
        }
        return;
      }
      case 'copy':
        await this.send({ type: 'copied', cells: message.cells });
        return;
      case 'chart':
        await this.send({ type: 'chart', requestId: message.requestId, chart: this.chart(message.column), elapsedMs: 8 });
        return;
      case 'export':
        await this.send({ type: 'exported', file: '/tmp/products.csv', rows: this.dataset.rows.length, elapsedMs: 250 });
        return;
      case 'profile': {
        const stats = message.columns.map((name) => this.profileOf(name));
        await this.send({ type: 'profile', requestId: message.requestId, snapshot: this.snapshot, profiles: stats.map((profile) => (profile.kind === 'boolean' ? profile : { ...profile, histogram: undefined })) });
        await this.send({ type: 'progress', requestId: message.requestId, phase: `Profiling ${message.columns[0] ?? ''} (1 of ${message.columns.length})`, percentage: 12.5 });
        await this.profileGate;
        if (this.staleNextProfile) {
          const stale = this.staleNextProfile;
          this.staleNextProfile = undefined;
          await this.send({ type: 'profileStale', requestId: message.requestId, message: stale });
          return;
        }
        for (const profile of stats) await this.send({ type: 'profile', requestId: message.requestId, snapshot: this.snapshot, profiles: [profile] });
        await this.send({ type: 'profileDone', requestId: message.requestId, elapsedMs: 1234 });
        return;
      }
      case 'cancel':
      case 'cancelProfile':
      case 'rendered':
      case 'pin':
        return;
    }
  }

  /** The profile of a column of the dataset, computed here from every row (as the warehouse would). */
  profileOf(columnName: string): ColumnProfile {
    const index = this.dataset.columns.findIndex((column) => column.name === columnName);
    const column = this.dataset.columns[index] ?? { name: columnName, type: 'VARCHAR' };
    const values = this.dataset.rows.map((row) => row[index] ?? null).filter((value) => value !== null);
    const kind = profileKind(column.type);
    const rows = this.dataset.rows.length;
    const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const chart = this.chart(columnName);
    const histogram = kind === 'number' ? chart : { ...chart, kind: 'top' as const, bars: chart.bars.filter((bar) => bar.label !== 'null').slice(0, 10) };
    return {
      column: columnName,
      type: column.type,
      kind,
      rows,
      nulls: rows - values.length,
      distinct: new Set(values.map(String)).size,
      distinctApprox: false,
      ...(values.length > 0 && kind !== 'boolean' ? { min: sorted[0] ?? null, max: sorted.at(-1) ?? null } : {}),
      ...(column.type === 'VARCHAR' ? { empty: values.filter((value) => value === '').length } : {}),
      histogram,
    };
  }

  /** Ten equal-width buckets of a numeric column, or the top values of another. */
  chart(columnName: string): Chart {
    const index = this.dataset.columns.findIndex((column) => column.name === columnName);
    const column = this.dataset.columns[index];
    const values = this.dataset.rows.map((row) => row[index] ?? null);
    if (column && isNumericType(column.type)) {
      const numbers = values.filter((value): value is number => typeof value === 'number');
      const lo = Math.min(...numbers);
      const hi = Math.max(...numbers);
      const width = (hi - lo) / 10 || 1;
      const counts = new Array<number>(10).fill(0);
      for (const value of numbers) counts[Math.min(9, Math.floor((value - lo) / width))]! += 1;
      return {
        kind: 'histogram',
        column: columnName,
        bars: counts.map((count, i) => ({ label: `${(lo + i * width).toFixed(0)} – ${(lo + (i + 1) * width).toFixed(0)}`, count, from: lo + i * width, to: lo + (i + 1) * width })),
      };
    }
    const counts = new Map<string, number>();
    for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
    const bars = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([label, count]) => ({ label, count }));
    return { kind: 'top', column: columnName, bars };
  }
}
