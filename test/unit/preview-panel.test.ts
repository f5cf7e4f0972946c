/**
 * The preview panel's conversation with its webview and its backend, against a stand-in for the
 * `vscode` module (the real editor runs it in the extension-host tests): what it posts, what it
 * runs, what it cancels.
 */
import { strict as assert } from 'node:assert';
import Module from 'node:module';
import type { PreviewBackend } from '../../src/warehouse/preview';
import type { QueryResult } from '../../src/core/values';
import type { ToWebview } from '../../src/webview/protocol';

interface FakeUri {
  scheme: string;
  path: string;
  fsPath: string;
  toString(): string;
}

const uri = (path: string, scheme = 'file'): FakeUri => ({ scheme, path, fsPath: path, toString: () => `${scheme}://${path}` });

class FakePanel {
  title: string;
  iconPath: unknown;
  revealed = 0;
  disposed = false;
  readonly posted: ToWebview[] = [];
  private readonly receivers: Array<(message: unknown) => void> = [];
  private readonly disposeListeners: Array<() => void> = [];
  readonly webview = {
    options: {} as { enableScripts?: boolean; localResourceRoots?: FakeUri[] },
    html: '',
    cspSource: 'https://csp.example',
    asWebviewUri: (target: FakeUri) => uri(`/webview${target.path}`, 'https'),
    postMessage: (message: ToWebview) => {
      this.posted.push(message);
      return Promise.resolve(true);
    },
    onDidReceiveMessage: (listener: (message: unknown) => void) => {
      this.receivers.push(listener);
      return { dispose: () => undefined };
    },
  };

  constructor(
    readonly viewType: string,
    title: string,
    readonly options: unknown,
  ) {
    this.title = title;
  }

  onDidDispose(listener: () => void) {
    this.disposeListeners.push(listener);
    return { dispose: () => undefined };
  }

  reveal(): void {
    this.revealed += 1;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const listener of this.disposeListeners) listener();
  }

  /** A message from the webview. */
  receive(message: unknown): void {
    for (const listener of this.receivers) listener(message);
  }

  of<T extends ToWebview['type']>(type: T): Extract<ToWebview, { type: T }>[] {
    return this.posted.filter((message): message is Extract<ToWebview, { type: T }> => message.type === type);
  }
}

const editor = {
  panels: [] as FakePanel[],
  clipboard: '',
  saveTarget: undefined as FakeUri | undefined,
  cancelExport: false,
  errors: [] as string[],
  infos: [] as string[],
};

/** The part of vscode.EventEmitter the panel uses. */
class FakeEventEmitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

const fakeVscode = {
  EventEmitter: FakeEventEmitter,
  Uri: { joinPath: (base: FakeUri, ...parts: string[]) => uri([base.path, ...parts].join('/')) },
  ViewColumn: { Active: -1, Beside: -2 },
  ProgressLocation: { Notification: 15 },
  window: {
    createWebviewPanel: (viewType: string, title: string, _column: number, options: unknown) => {
      const panel = new FakePanel(viewType, title, options);
      editor.panels.push(panel);
      return panel;
    },
    showSaveDialog: () => Promise.resolve(editor.saveTarget),
    withProgress: <T>(_options: unknown, task: (progress: unknown, token: unknown) => Promise<T>) => {
      const listeners: Array<() => void> = [];
      const token = {
        onCancellationRequested: (listener: () => void) => {
          listeners.push(listener);
          return { dispose: () => undefined };
        },
      };
      const result = task({}, token);
      if (editor.cancelExport) setTimeout(() => listeners.forEach((listener) => listener()), 5);
      return result;
    },
    showInformationMessage: (message: string) => {
      editor.infos.push(message);
      return Promise.resolve(undefined);
    },
    showErrorMessage: (message: string) => {
      editor.errors.push(message);
      return Promise.resolve(undefined);
    },
  },
  workspace: { workspaceFolders: [{ uri: uri('/workspace') }] },
  env: {
    clipboard: {
      writeText: (text: string) => {
        editor.clipboard = text;
        return Promise.resolve();
      },
    },
  },
  commands: { executeCommand: () => Promise.resolve() },
};

type PanelModule = typeof import('../../src/views/previewPanel');

/** Loads previewPanel.ts with `vscode` resolved to the stand-in above. */
function loadPanelModule(): PanelModule {
  const moduleInternals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../src/views/previewPanel') as PanelModule;
  } finally {
    moduleInternals._resolveFilename = resolve;
  }
}

interface Call {
  sql: string;
  signal: AbortSignal;
  resolve(result: QueryResult): void;
  reject(error: Error): void;
}

/** A backend whose statements wait until the test answers them. */
class ManualBackend implements PreviewBackend {
  readonly dialect = 'duckdb' as const;
  readonly calls: Call[] = [];
  readonly exports: Array<{ sql: string; file: string; signal: AbortSignal }> = [];

  run(sql: string, signal: AbortSignal): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      this.calls.push({ sql, signal, resolve, reject });
      signal.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { name: 'AbortError' })));
    });
  }

  exportCsv(sql: string, file: string, signal: AbortSignal): Promise<number> {
    this.exports.push({ sql, file, signal });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(1234), 20);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
      });
    });
  }

  /** The next statement matching `pattern`, once it was run. */
  async call(pattern: RegExp): Promise<Call> {
    for (let i = 0; i < 100; i++) {
      const found = this.calls.find((call) => pattern.test(call.sql) && !(call as { taken?: boolean }).taken);
      if (found) {
        (found as { taken?: boolean }).taken = true;
        return found;
      }
      await tick();
    }
    throw new Error(`no statement matching ${pattern}; ran:\n${this.calls.map((call) => call.sql).join('\n')}`);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
const columns = [
  { name: 'id', type: 'INTEGER' },
  { name: 'name', type: 'VARCHAR' },
];
const pageResult: QueryResult = { columns, rows: [[1, '<img src=x onerror=alert(1)>']] };

describe('preview panel', () => {
  const extensionUri = uri('/ext') as unknown as import('vscode').Uri;
  let panelModule: PanelModule;
  const source = { kind: 'table' as const, schema: 'gold', name: 'products' };

  before(() => {
    panelModule = loadPanelModule();
  });

  afterEach(() => {
    for (const panel of editor.panels) panel.dispose();
    editor.panels = [];
    editor.saveTarget = undefined;
    editor.cancelExport = false;
    editor.errors = [];
    editor.infos = [];
  });

  function open(backend: PreviewBackend = new ManualBackend(), options = { pageSize: 100 }): FakePanel {
    panelModule.PreviewPanel.show(extensionUri, backend, source, 'gold.products', options);
    const panel = editor.panels.at(-1);
    assert.ok(panel);
    return panel;
  }

  it('opens a scripted webview limited to media/ and dist/webview/, with a nonce CSP and no data in the HTML', () => {
    const panel = open();
    assert.equal(panel.viewType, 'medallion.preview');
    assert.equal(panel.webview.options.enableScripts, true);
    assert.deepEqual(
      panel.webview.options.localResourceRoots?.map((root) => root.path),
      ['/ext/media', '/ext/dist/webview'],
    );
    const nonce = /script-src 'nonce-([\w-]+)'/.exec(panel.webview.html)?.[1];
    assert.ok(nonce);
    assert.match(panel.webview.html, /default-src 'none'; style-src https:\/\/csp.example;/);
    assert.match(panel.webview.html, new RegExp(`<script nonce="${nonce}" src="https:///webview/ext/dist/webview/preview.js"></script>`));
    assert.match(panel.webview.html, /href="https:\/\/\/webview\/ext\/media\/preview.css"/);
    assert.doesNotMatch(panel.webview.html, /products/);
  });

  it('reveals and refreshes the open panel of a source instead of opening another', () => {
    const panel = open();
    open();
    assert.equal(editor.panels.length, 1);
    assert.equal(panel.revealed, 1);
    assert.deepEqual(panel.of('refresh'), [{ type: 'refresh' }]);
  });

  it('answers ready with what to show', () => {
    const panel = open();
    panel.receive({ type: 'ready' });
    assert.deepEqual(panel.of('init'), [
      { type: 'init', state: { version: 1, title: 'gold.products', source, offset: 0 }, pageSize: 100, dialect: 'duckdb', description: 'gold.products · DuckDB', pinned: false },
    ]);
  });

  it('runs the page, then the count of its snapshot, and posts both with their times', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 1, offset: 200, recount: true });
    const page = await backend.call(/limit 100 offset 200$/);
    assert.equal(page.sql, 'select * from "gold"."products" limit 100 offset 200');
    assert.equal(backend.calls.length, 1, 'the count waits for the page: the page shows first');
    page.resolve(pageResult);
    const count = await backend.call(/^select count\(\*\)/);
    count.resolve({ columns: [{ name: 'row_count', type: 'BIGINT' }], rows: [[10_000_000]] });
    await tick();
    const [posted] = panel.of('page');
    assert.ok(posted);
    assert.deepEqual(
      { ...posted, elapsedMs: 0, snapshot: { ...posted.snapshot, id: '', takenAt: 0 } },
      { type: 'page', requestId: 1, offset: 200, columns, rows: pageResult.rows, elapsedMs: 0, snapshot: { id: '', kind: 'live', takenAt: 0 } },
    );
    assert.match(posted.snapshot.id, /^live-/);
    assert.equal(panel.of('count')[0]?.total, 10_000_000);
  });

  it('cancels a page superseded by a newer request, and posts only the newer one', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0 });
    const first = await backend.call(/offset 0$/);
    panel.receive({ type: 'requestPage', requestId: 2, offset: 100 });
    const second = await backend.call(/offset 100$/);
    assert.equal(first.signal.aborted, true);
    assert.equal(second.signal.aborted, false);
    second.resolve(pageResult);
    await tick();
    assert.deepEqual(
      panel.of('page').map((message) => message.requestId),
      [2],
    );
    assert.deepEqual(panel.of('pageError'), [], 'a cancelled request is no error');
  });

  it('sorts with tie-break columns learnt from the result, asking for them when unknown', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, sort: { column: 'name', direction: 'desc' } });
    (await backend.call(/limit 0$/)).resolve({ columns, rows: [] });
    const page = await backend.call(/order by/);
    assert.equal(page.sql, 'select * from "gold"."products" order by "name" desc nulls last, "id" asc nulls last limit 100 offset 0');
  });

  it('pages a sorted DuckDB table by rowid (the key and rowid, then the rows), unless a column of its own is called rowid', async () => {
    const backend = new ManualBackend();
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, name: 'with_rowid', tableType: 'table' }, 't', { pageSize: 10 });
    const panel = editor.panels.at(-1)!;
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, sort: { column: 'id', direction: 'asc' } });
    (await backend.call(/limit 0$/)).resolve({ columns, rows: [] });
    const ids = await backend.call(/^select rowid as rid/);
    assert.equal(ids.sql, 'select rowid as rid from "gold"."with_rowid" order by "id" asc nulls last, rowid limit 10 offset 0');
    ids.resolve({ columns: [{ name: 'rid', type: 'BIGINT' }], rows: [[7], [3]] });
    const rows = await backend.call(/join \(values/);
    assert.equal(rows.sql, 'select t.* from "gold"."with_rowid" as t join (values (7, 0), (3, 1)) as page(rid, pos) on t.rowid = page.rid order by page.pos');
    rows.resolve(pageResult);
    await tick();
    assert.equal(panel.of('page').length, 1);

    panel.receive({ type: 'requestPage', requestId: 2, offset: 0, sort: { column: 'id', direction: 'asc' }, recount: true });
    (await backend.call(/limit 0$/)).resolve({ columns: [...columns, { name: 'RowId', type: 'BIGINT' }], rows: [] });
    const page = await backend.call(/order by/);
    assert.doesNotMatch(page.sql, /rowid as rid|, rowid/, "DuckDB's rowid is hidden by the table's own");
    assert.equal(page.sql, 'select * from "gold"."with_rowid" order by "id" asc nulls last, "name" asc nulls last, "RowId" asc nulls last limit 10 offset 0');
  });

  it('posts a failed statement as an error state with the message', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 7, offset: 0, recount: true });
    (await backend.call(/limit/)).reject(new Error('warehouse /x.duckdb is locked by another process (PID 42), e.g. dbt'));
    await tick();
    assert.deepEqual(panel.of('pageError'), [{ type: 'pageError', requestId: 7, message: 'warehouse /x.duckdb is locked by another process (PID 42), e.g. dbt' }]);
    assert.equal(backend.calls.length, 1, 'no count of a snapshot that could not be read');
  });

  it('rejects a query of several statements before running anything', async () => {
    const backend = new ManualBackend();
    panelModule.PreviewPanel.show(extensionUri, backend, { kind: 'query', sql: 'select 1; drop table x' }, 'Query', {});
    const panel = editor.panels.at(-1)!;
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0 });
    await tick();
    assert.match(panel.of('pageError')[0]?.message ?? '', /2 statements/);
    assert.equal(backend.calls.length, 0);
  });

  it('cancels what runs when the panel closes, and posts nothing after', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, recount: true });
    panel.receive({ type: 'chart', requestId: 2, column: 'id' });
    await backend.call(/limit 100/);
    panel.dispose();
    await tick();
    assert.ok(backend.calls.every((call) => call.signal.aborted));
    const posted = panel.posted.length;
    backend.calls.forEach((call) => call.resolve(pageResult));
    await tick();
    assert.equal(panel.posted.length, posted);
  });

  it('copies the text it is given to the clipboard', async () => {
    const panel = open();
    panel.receive({ type: 'copy', text: 'a\tb\n1\t2', cells: 4 });
    await tick();
    assert.equal(editor.clipboard, 'a\tb\n1\t2');
    assert.deepEqual(panel.of('copied'), [{ type: 'copied', cells: 4 }]);
  });

  it('computes a chart of the column', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0 });
    (await backend.call(/limit 100/)).resolve(pageResult);
    await tick();
    panel.receive({ type: 'chart', requestId: 2, column: 'name' });
    const chart = await backend.call(/bucket_value/);
    chart.resolve({ columns: [], rows: [['a', 3]] });
    await tick();
    assert.deepEqual(panel.of('chart')[0]?.chart, { kind: 'top', column: 'name', bars: [{ label: 'a', count: 3 }] });
  });

  it('profiles the snapshot the grid shows: the stats of every column in one statement, then histograms, each posted as it comes; and cancels', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'profile', requestId: 1, columns: ['id'] });
    for (let i = 0; i < 20 && panel.of('profileError').length === 0; i++) await tick();
    assert.deepEqual(panel.of('profileError'), [{ type: 'profileError', requestId: 1, message: 'A profile is of the data the grid shows: load a page first.' }]);
    panel.receive({ type: 'requestPage', requestId: 2, offset: 0, recount: true });
    (await backend.call(/limit 100 offset 0/)).resolve(pageResult);
    (await backend.call(/^select count\(\*\) as row_count from/)).resolve({ columns: [], rows: [[3]] });
    for (let i = 0; i < 20 && panel.of('count').length === 0; i++) await tick();
    panel.receive({ type: 'profile', requestId: 3, columns: ['name', 'id'] });
    const stats = await backend.call(/^select count\(\*\) as row_count,/);
    assert.match(stats.sql, /count\(distinct "id"\)[\s\S]*count\(distinct "name"\)[\s\S]*from "gold"."products"$/, 'one statement for every column, distinct values counted (3 rows)');
    // rows; id: nonNull, distinct, min, max; name: nonNull, distinct, min, max, empty
    stats.resolve({ columns: [], rows: [[3, 3, 3, 1, 3, 2, 1, 'a', 'a', 0]] });
    for (let i = 0; i < 20 && panel.of('profile').length === 0; i++) await tick();
    const first = panel.of('profile')[0];
    assert.deepEqual(first?.profiles.map((profile) => [profile.column, profile.nulls, profile.distinct]), [['name', 1, 1], ['id', 0, 3]], 'in the order asked for');
    assert.equal(first?.snapshot.id, panel.of('page')[0]?.snapshot.id, 'of the snapshot of the page');
    const top = await backend.call(/bucket_value/);
    assert.match(top.sql, /^select "name" as bucket_value/, 'the histogram of the first column asked for first');
    assert.equal(panel.of('progress').at(-1)?.phase, 'Profiling name (1 of 2)');
    top.resolve({ columns: [], rows: [['a', 2, 2, 3], [null, 1, 2, 3]] });
    for (let i = 0; i < 20 && panel.of('profile').length < 2; i++) await tick();
    assert.deepEqual(panel.of('profile')[1]?.profiles[0]?.histogram?.bars, [{ label: 'a', count: 2 }], 'NULLs are counted apart');
    const buckets = await backend.call(/as bucket, count/);
    panel.receive({ type: 'cancelProfile' });
    await tick();
    assert.equal(buckets.signal.aborted, true, 'cancel stops the statement running');
    assert.deepEqual(panel.of('profileDone'), []);
    assert.deepEqual(panel.of('profileError').length, 1, 'a cancel is no error');
  });

  it('answers a profile of data that changed since the snapshot with profileStale', async () => {
    let version = 'v1';
    const backend = Object.assign(new ManualBackend(), { dataVersion: () => Promise.resolve(version) });
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, name: 'changing', tableType: 'table' }, 'gold.changing', { pageSize: 100 });
    const panel = editor.panels.at(-1)!;
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, recount: true });
    (await backend.call(/limit 100 offset 0/)).resolve(pageResult);
    (await backend.call(/count/)).resolve({ columns: [], rows: [[1]] });
    for (let i = 0; i < 20 && panel.of('count').length === 0; i++) await tick();
    version = 'v2';
    panel.receive({ type: 'profile', requestId: 2, columns: ['id'] });
    for (let i = 0; i < 20 && panel.of('profileStale').length === 0; i++) await tick();
    assert.match(panel.of('profileStale')[0]?.message ?? '', /^The data changed since this preview's snapshot/);
    assert.equal(backend.calls.filter((call) => /row_count,/.test(call.sql)).length, 0, 'nothing of the new version was read');
  });

  it('exports every row in the current order to the chosen file, and can be cancelled', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    editor.saveTarget = uri('/tmp/out.csv');
    panel.receive({ type: 'export', sort: { column: 'id', direction: 'desc' } });
    for (let i = 0; i < 100 && panel.of('exported').length === 0; i++) await tick();
    assert.deepEqual(backend.exports.map(({ sql, file }) => [sql, file]), [['select * from "gold"."products" order by "id" desc nulls last', '/tmp/out.csv']]);
    assert.equal(panel.of('exported')[0]?.rows, 1234);
    assert.match(editor.infos[0] ?? '', /Exported 1,234 rows to \/tmp\/out.csv/);

    editor.cancelExport = true;
    panel.receive({ type: 'export' });
    for (let i = 0; i < 100 && panel.of('exportFailed').length === 0; i++) await tick();
    assert.deepEqual(panel.of('exportFailed'), [{ type: 'exportFailed', message: 'Export cancelled.' }]);
    assert.deepEqual(editor.errors, []);

    editor.saveTarget = undefined;
    const before = backend.exports.length;
    panel.receive({ type: 'export' });
    await tick();
    assert.equal(backend.exports.length, before, 'no file, no export');
  });

  it('ignores messages it does not know', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'run', sql: 'drop table x' });
    panel.receive({ type: 'requestPage', requestId: 1, offset: -5 });
    panel.receive('ready');
    await tick();
    assert.deepEqual(panel.posted, []);
    assert.equal(backend.calls.length, 0);
  });

  /** A stand-in for the extension's PreviewService: its events and busy reason are the test's to set. */
  class FakeHost {
    busy: string | undefined;
    readonly data = new FakeEventEmitter<void>();
    readonly busyEvents = new FakeEventEmitter<void>();
    readonly onDidChangeData = this.data.event;
    readonly onDidChangeBusy = this.busyEvents.event;
    busyReason(): string | undefined {
      return this.busy;
    }
  }

  it('shows the next preview in the panel that is not pinned, and opens another once it is pinned', async () => {
    const backend = new ManualBackend();
    const first = open(backend);
    first.receive({ type: 'ready' });
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, name: 'orders' }, 'gold.orders', { pageSize: 100 });
    assert.equal(editor.panels.length, 1, 'no second webview');
    assert.equal(first.title, 'gold.orders');
    assert.equal(first.revealed, 1);
    assert.deepEqual(first.of('init').at(-1)?.state.source, { ...source, name: 'orders' });
    first.receive({ type: 'requestPage', requestId: 1, offset: 0, recount: true });
    assert.equal((await backend.call(/limit 100/)).sql, 'select * from "gold"."orders" limit 100 offset 0');

    first.receive({ type: 'pin', pinned: true });
    await tick();
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, name: 'users' }, 'gold.users', { pageSize: 100 });
    assert.equal(editor.panels.length, 2, 'a pinned panel keeps its source');
    assert.equal(first.title, 'gold.orders');
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, name: 'orders' }, 'gold.orders', { pageSize: 100 });
    assert.equal(first.revealed, 2, 'its source previewed again reveals it');
    assert.deepEqual(first.of('refresh'), [{ type: 'refresh' }]);
    // Query results reuse a panel of their own.
    panelModule.PreviewPanel.show(extensionUri, backend, { kind: 'query', sql: 'select 1' }, 'Query', {});
    assert.equal(editor.panels.length, 3);
  });

  it('answers a page of another data version with pageStale, and tells an open preview when the data changed', async () => {
    let version = 'v1';
    const backend = Object.assign(new ManualBackend(), { dataVersion: () => Promise.resolve(version) });
    const host = new FakeHost();
    panelModule.PreviewPanel.show(extensionUri, backend, { ...source, tableType: 'table' }, 'gold.products', { pageSize: 100, host });
    const panel = editor.panels.at(-1)!;
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, recount: true });
    (await backend.call(/limit 100 offset 0/)).resolve(pageResult);
    (await backend.call(/count/)).resolve({ columns: [], rows: [[5000]] });
    await tick();
    assert.equal(panel.of('page')[0]?.snapshot.kind, 'live');
    host.data.fire();
    await tick();
    assert.deepEqual(panel.of('dataChanged'), [], 'nothing changed: nothing said');
    version = 'v2';
    host.data.fire();
    for (let i = 0; i < 20 && panel.of('dataChanged').length === 0; i++) await tick();
    assert.match(panel.of('dataChanged')[0]?.message ?? '', /^The data changed since this snapshot \(\d\d:\d\d:\d\d\)\. Refresh to see the current data\.$/);
    panel.receive({ type: 'requestPage', requestId: 2, offset: 100 });
    for (let i = 0; i < 20 && panel.of('pageStale').length === 0; i++) await tick();
    assert.match(panel.of('pageStale')[0]?.message ?? '', /^The data changed since this preview's snapshot/);
    assert.equal(backend.calls.filter((call) => /offset 100/.test(call.sql)).length, 0, 'nothing of the new version was read');
    panel.receive({ type: 'requestPage', requestId: 3, offset: 100, recount: true });
    (await backend.call(/limit 100 offset 100/)).resolve(pageResult);
    for (let i = 0; i < 20 && panel.of('page').length < 2; i++) await tick();
    assert.equal(panel.of('page')[1]?.requestId, 3, 'a refresh reads the new version');
  });

  it('says why a preview waits while dbt runs, and asks again for a page that failed meanwhile (Snowflake)', async () => {
    const backend = new ManualBackend();
    const host = new FakeHost();
    panelModule.PreviewPanel.show(extensionUri, backend, source, 'gold.products', { pageSize: 100, host });
    const panel = editor.panels.at(-1)!;
    panel.receive({ type: 'ready' });
    host.busy = 'dbt build is running';
    host.busyEvents.fire();
    assert.deepEqual(panel.of('waiting').at(-1), { type: 'waiting', message: 'dbt build is running: gold.products may be rebuilt, so the preview waits until it finishes.' });
    panel.receive({ type: 'requestPage', requestId: 1, offset: 0, recount: true });
    (await backend.call(/limit 100/)).reject(new Error("SQL compilation error: Object 'GOLD.PRODUCTS' does not exist or not authorized."));
    await tick();
    assert.deepEqual(panel.of('pageError'), [], 'not an error while dbt rebuilds it');
    host.busy = undefined;
    host.busyEvents.fire();
    assert.deepEqual(panel.of('waiting').at(-1), { type: 'waiting' });
    (await backend.call(/limit 100/)).resolve(pageResult);
    for (let i = 0; i < 20 && panel.of('page').length === 0; i++) await tick();
    assert.equal(panel.of('page')[0]?.requestId, 1, 'the page is asked again once dbt is done');
  });

  it('posts the progress of a slow page to the webview', async () => {
    const backend = new ManualBackend();
    const panel = open(backend);
    panel.receive({ type: 'requestPage', requestId: 4, offset: 0, sort: { column: 'name', direction: 'asc' } });
    // A view is copied once when sorted: without a scratch database it pages live, reporting what it runs.
    (await backend.call(/limit 0$/)).resolve({ columns, rows: [] });
    await backend.call(/order by/);
    assert.deepEqual(panel.of('progress'), [{ type: 'progress', requestId: 4, phase: 'Running the query' }]);
  });

  describe('serializer', () => {
    it('restores a panel from the state its webview saved', async () => {
      const backend = new ManualBackend();
      const serializer = new panelModule.PreviewSerializer(extensionUri, () => Promise.resolve(backend), () => ({ pageSize: 50 }));
      const panel = new FakePanel('medallion.preview', 'old title', {});
      const state = { version: 1, title: 'gold.products', source, offset: 150, sort: { column: 'id', direction: 'asc' } };
      await serializer.deserializeWebviewPanel(panel as unknown as import('vscode').WebviewPanel, state);
      assert.equal(panel.title, 'gold.products');
      assert.match(panel.webview.html, /script-src 'nonce-/);
      assert.equal(panel.webview.options.enableScripts, true);
      panel.receive({ type: 'ready' });
      assert.deepEqual(panel.of('init')[0]?.state, state);
      assert.equal(panel.of('init')[0]?.pageSize, 50);
      editor.panels.push(panel);
    });

    it('closes a panel whose state it does not recognise', async () => {
      const serializer = new panelModule.PreviewSerializer(extensionUri, () => Promise.resolve(new ManualBackend()));
      const panel = new FakePanel('medallion.preview', 'x', {});
      await serializer.deserializeWebviewPanel(panel as unknown as import('vscode').WebviewPanel, { version: 1, title: 'x', source: { kind: 'nope' }, offset: 0 });
      assert.equal(panel.disposed, true);
    });

    it('shows why the warehouse is unavailable instead of failing to restore', async () => {
      const serializer = new panelModule.PreviewSerializer(extensionUri, () => Promise.reject(new Error('No warehouse: open a dbt project first')));
      const panel = new FakePanel('medallion.preview', 'x', {});
      await serializer.deserializeWebviewPanel(panel as unknown as import('vscode').WebviewPanel, { version: 1, title: 'q', source: { kind: 'query', sql: 'select 1' }, offset: 0 });
      editor.panels.push(panel);
      panel.receive({ type: 'requestPage', requestId: 1, offset: 0 });
      for (let i = 0; i < 100 && panel.of('pageError').length === 0; i++) await tick();
      assert.deepEqual(panel.of('pageError'), [{ type: 'pageError', requestId: 1, message: 'No warehouse: open a dbt project first' }]);
    });
  });
});
