/**
 * The lineage panel without a browser: the messages both ways (validated, malformed ones
 * dropped), the controller's conversation with a data source whose answers the test releases
 * (stale answers never shown, badges without a new layout, errors said in one line), the VS Code
 * panel against a stand-in for `vscode` (one panel, its resources, its disposables, restore after
 * a reload), and the drawing's pure geometry and words.
 */
import { strict as assert } from 'node:assert';
import type { ModelLineage } from '../../src/authoring/columnLineage';
import type { GraphEdge } from '../../src/authoring/lineageGraph';
import { WebviewTypes } from '../../src/constants';
import { LineageController, type LineageDataSource, type LineageSourceGraph, type LineageSourceNode } from '../../src/views/lineageController';
import { age, compactCount, searchNodes, truncate } from '../../src/webview/lineage/format';
import { centreAt, edgePath, fitViewport, NODE_WIDTH, visibleRect, zoomAt } from '../../src/webview/lineage/geometry';
import { parseFromLineage, parseLineageState, type ToLineage } from '../../src/webview/lineageProtocol';
import { fakeEditor, FakeEventEmitter, fakeUri, requireWithFakeVscode, type FakeWebviewPanel } from '../support/fakeVscode';

/** A promise the test settles. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const node = (id: string, lane: LineageSourceNode['lane'] = 'silver', extra: Partial<LineageSourceNode> = {}): LineageSourceNode => ({ id, label: id.split('.').pop() ?? id, kind: lane === 'bronze' ? 'source' : 'model', lane, ...extra });

/** a (source) -> b -> c -> d, b -> e. */
function chain(): LineageSourceGraph {
  const edges: GraphEdge[] = [
    { from: 's.a', to: 'm.b' },
    { from: 'm.b', to: 'm.c' },
    { from: 'm.c', to: 'm.d' },
    { from: 'm.b', to: 'm.e' },
  ];
  return { nodes: [node('s.a', 'bronze'), node('m.b'), node('m.c', 'gold'), node('m.d', 'gold'), node('m.e', 'gold')], edges };
}

/** A data source whose graph the test sets, recording actions, with change events. */
function fakeSource(graph: () => Promise<LineageSourceGraph> | LineageSourceGraph) {
  const changed = new FakeEventEmitter<void>();
  const active = new FakeEventEmitter<string | undefined>();
  const calls: string[] = [];
  const source: LineageDataSource = {
    graph: async () => graph(),
    details: async (id) => (id === 'm.gone' ? undefined : { description: `about ${id}`, columns: [{ name: 'x', type: 'INTEGER' }] }),
    columnLineage: async (id): Promise<ModelLineage | undefined> => (id === 'm.b' ? { status: 'parsed', relations: [], columns: [{ name: 'x', sources: [{ relation: 'a', nodeId: 's.a', column: 'x' }], transform: 'copy' }] } : undefined),
    open: async (id) => void calls.push(`open ${id}`),
    preview: async (id) => {
      calls.push(`preview ${id}`);
      throw new Error('the warehouse is locked by another process\nstack trace');
    },
    build: async (id, downstream) => void calls.push(`build ${id} ${downstream}`),
    onDidChange: changed.event,
    onDidChangeActiveNode: active.event,
  };
  return { source, changed, active, calls };
}

function controllerOf(source: LineageDataSource, state: ConstructorParameters<typeof LineageController>[2] = {}) {
  const posted: ToLineage[] = [];
  const errors: string[] = [];
  const controller = new LineageController(source, (message) => posted.push(message), state, (message) => errors.push(message));
  const of = <T extends ToLineage['type']>(type: T) => posted.filter((message): message is Extract<ToLineage, { type: T }> => message.type === type);
  return { controller, posted, errors, of };
}

describe('lineage messages', () => {
  it('accepts each well-formed message from the webview with only its known fields', () => {
    assert.deepEqual(parseFromLineage({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(parseFromLineage({ type: 'focus' }), { type: 'focus' });
    assert.deepEqual(parseFromLineage({ type: 'focus', focus: { nodeId: 'm.a', up: 2, down: 'all', x: 1 } }), { type: 'focus', focus: { nodeId: 'm.a', up: 2, down: 'all' } });
    assert.deepEqual(parseFromLineage({ type: 'build', nodeId: 'm.a', downstream: true }), { type: 'build', nodeId: 'm.a', downstream: true });
    assert.deepEqual(parseFromLineage({ type: 'selectColumn', nodeId: 'm.a', column: 'id' }), { type: 'selectColumn', nodeId: 'm.a', column: 'id' });
    assert.deepEqual(parseFromLineage({ type: 'rendered', graphId: 3, ms: 12.5 }), { type: 'rendered', graphId: 3, ms: 12.5 });
    assert.deepEqual(parseFromLineage({ type: 'follow', enabled: false }), { type: 'follow', enabled: false });
  });

  it('drops malformed ones', () => {
    for (const bad of [
      null,
      'ready',
      [],
      { type: 'nope' },
      { type: 'open' },
      { type: 'open', nodeId: '' },
      { type: 'open', nodeId: 'x'.repeat(2_001) },
      { type: 'build', nodeId: 'm.a' },
      { type: 'focus', focus: { nodeId: 'm.a', up: -1, down: 1 } },
      { type: 'focus', focus: { nodeId: 'm.a', up: 1.5, down: 1 } },
      { type: 'focus', focus: { nodeId: 'm.a', up: 1, down: 1_001 } },
      { type: 'selectColumn', nodeId: 'm.a' },
      { type: 'rendered', graphId: 1, ms: Number.NaN },
      { type: 'follow', enabled: 'yes' },
    ]) {
      assert.equal(parseFromLineage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('reads back only a state it saved', () => {
    assert.equal(parseLineageState(undefined), undefined);
    assert.equal(parseLineageState({ version: 2 }), undefined);
    assert.deepEqual(parseLineageState({ version: 1, follow: true, focus: { nodeId: 'm.a', up: 1, down: 2 }, selected: 'm.b', viewport: { x: 1, y: 2, k: 0.5 } }), {
      version: 1,
      follow: true,
      focus: { nodeId: 'm.a', up: 1, down: 2 },
      selected: 'm.b',
      viewport: { x: 1, y: 2, k: 0.5 },
    });
    assert.deepEqual(parseLineageState({ version: 1, focus: { nodeId: 'm.a' }, viewport: { x: 1, y: 2, k: 0 } }), { version: 1, follow: false });
  });
});

describe('lineage controller', () => {
  it('answers ready with the whole project laid out, and a focus with the nodes within its hops', async () => {
    const { source } = fakeSource(chain);
    const { controller, of } = controllerOf(source);
    await controller.receive({ type: 'ready' });
    const [whole] = of('graph');
    assert.equal(whole?.reason, 'load');
    assert.deepEqual(whole?.nodes.map((entry) => entry.id).sort(), ['m.b', 'm.c', 'm.d', 'm.e', 's.a']);
    assert.equal(whole?.edges.length, 4);
    assert.ok(whole?.nodes.every((entry) => Number.isFinite(entry.x) && Number.isFinite(entry.y)));
    await controller.receive({ type: 'focus', focus: { nodeId: 'm.c', up: 1, down: 0 } });
    assert.deepEqual(of('graph')[1]?.nodes.map((entry) => entry.id).sort(), ['m.b', 'm.c']);
    assert.equal(of('graph')[1]?.catalog?.length, 5, 'the search still knows every node');
    assert.equal(of('graph')[0]?.catalog, undefined, 'the whole project is its own catalog');
    assert.deepEqual(controller.state.focus, { nodeId: 'm.c', up: 1, down: 0 });
    await controller.receive({ type: 'focus', focus: { nodeId: 'm.c', up: 'all', down: 'all' } });
    assert.deepEqual(of('graph')[2]?.nodes.map((entry) => entry.id).sort(), ['m.b', 'm.c', 'm.d', 's.a']);
  });

  it('posts only new badges when the project changes but the nodes and edges shown do not', async () => {
    let graph = chain();
    const { source } = fakeSource(() => graph);
    const { controller, of } = controllerOf(source);
    await controller.receive({ type: 'ready' });
    graph = { ...chain(), nodes: chain().nodes.map((entry) => (entry.id === 'm.c' ? { ...entry, rows: 42, status: { status: 'error', at: '2026-01-01T00:00:00Z' } } : entry)) };
    await controller.reload();
    assert.equal(of('graph').length, 1);
    assert.equal(of('status')[0]?.nodes.find((entry) => entry.id === 'm.c')?.rows, 42);
    // A new edge: a new graph, marked as a change (the webview keeps its view).
    graph = { ...graph, edges: [...graph.edges, { from: 's.a', to: 'm.e' }] };
    await controller.reload();
    assert.equal(of('graph')[1]?.reason, 'change');
    assert.equal(of('graph')[1]?.edges.length, 5);
  });

  it('never shows an older answer after a newer one', async () => {
    const answers: Array<ReturnType<typeof deferred<LineageSourceGraph>>> = [];
    const { source } = fakeSource(() => {
      const answer = deferred<LineageSourceGraph>();
      answers.push(answer);
      return answer.promise;
    });
    const { controller, of } = controllerOf(source);
    const first = controller.receive({ type: 'ready' });
    const second = controller.receive({ type: 'focus', focus: { nodeId: 'm.d', up: 1, down: 0 } });
    // The newer answer first, then the older one.
    answers[1]?.resolve(chain());
    await second;
    answers[0]?.resolve(chain());
    await first;
    assert.equal(of('graph').length, 1);
    assert.deepEqual(of('graph')[0]?.focus, { nodeId: 'm.d', up: 1, down: 0 });
  });

  it('loads once more, not once per event, when the project changes during a load', async () => {
    let loads = 0;
    let gate = deferred<void>();
    const { source, changed } = fakeSource(async () => {
      loads++;
      await gate.promise;
      return chain();
    });
    const { controller } = controllerOf(source);
    gate.resolve();
    await controller.receive({ type: 'ready' });
    gate = deferred<void>();
    const running = controller.reload();
    for (let i = 0; i < 10; i++) changed.fire();
    gate.resolve();
    await running;
    assert.equal(loads, 3, 'ready, the reload, one more for the ten events during it');
  });

  it('falls back to the whole project, and says so, when the focused node is gone', async () => {
    let graph = chain();
    const { source } = fakeSource(() => graph);
    const { controller, of } = controllerOf(source, { focus: { nodeId: 'm.d', up: 1, down: 1 } });
    await controller.receive({ type: 'ready' });
    assert.equal(of('graph')[0]?.nodes.length, 2);
    graph = { nodes: graph.nodes.filter((entry) => entry.id !== 'm.d'), edges: graph.edges.filter((edge) => edge.to !== 'm.d') };
    await controller.reload();
    assert.equal(of('graph')[1]?.focus, undefined);
    assert.equal(of('graph')[1]?.nodes.length, 4);
    assert.match(of('graph')[1]?.notice ?? '', /m\.d is no longer in the project/);
  });

  it('says in one line why there is no graph, and why an action failed', async () => {
    const { source, calls } = fakeSource(() => Promise.reject(new Error('manifest.json is not valid JSON (Unexpected end)\n  at parse')));
    const { controller, of, errors } = controllerOf(source);
    await controller.receive({ type: 'ready' });
    assert.deepEqual(of('error'), [{ type: 'error', message: 'manifest.json is not valid JSON (Unexpected end)' }]);
    await controller.receive({ type: 'preview', nodeId: 'm.b' });
    assert.deepEqual(calls, ['preview m.b']);
    assert.deepEqual(of('notice').at(-1), { type: 'notice', message: 'Preview m.b: the warehouse is locked by another process', error: true });
    assert.deepEqual(errors, ['Preview m.b: the warehouse is locked by another process']);
  });

  it('passes Open and Build to the source, and answers a selection with details, then lineage', async () => {
    const { source, calls } = fakeSource(chain);
    const { controller, of, posted } = controllerOf(source);
    await controller.receive({ type: 'ready' });
    await controller.receive({ type: 'open', nodeId: 'm.c' });
    await controller.receive({ type: 'build', nodeId: 'm.c', downstream: true });
    assert.deepEqual(calls, ['open m.c', 'build m.c true']);
    await controller.receive({ type: 'selectNode', nodeId: 'm.b' });
    const [details, lineage] = posted.slice(-2);
    assert.equal(details?.type, 'details');
    assert.equal(lineage?.type === 'lineage' && lineage.lineage.status, 'parsed');
    await controller.receive({ type: 'selectNode', nodeId: 's.a' });
    assert.deepEqual(of('lineage').at(-1)?.lineage, { status: 'none', reason: 'a source: its columns are where the lineage starts' });
    await controller.receive({ type: 'selectNode', nodeId: 'm.c' });
    assert.match(of('lineage').at(-1)?.lineage.status === 'none' ? (of('lineage').at(-1)?.lineage as { reason: string }).reason : '', /not compiled yet/);
    await controller.receive({ type: 'selectNode', nodeId: 'm.gone' });
    assert.deepEqual(of('notice').at(-1), { type: 'notice', message: 'm.gone is no longer in the project.', error: true });
    await controller.receive({ type: 'selectColumn', nodeId: 'm.b', column: 'x' });
    assert.deepEqual(of('trace').at(-1)?.trace.columns.map((column) => [column.nodeId, column.column, column.state]), [
      ['m.b', 'x', 'traced'],
      ['s.a', 'x', 'root'],
    ]);
    const before = posted.length;
    await controller.receive({ type: 'open' });
    await controller.receive({ type: 'build', nodeId: 'm.c', downstream: 'yes' });
    assert.equal(posted.length, before, 'malformed messages change nothing');
    assert.deepEqual(calls, ['open m.c', 'build m.c true']);
  });

  it('follows the editor only when asked: a new focus, or the node revealed without one', async () => {
    const { source, active } = fakeSource(chain);
    const { controller, of } = controllerOf(source, { focus: { nodeId: 'm.b', up: 1, down: 1 } });
    await controller.receive({ type: 'ready' });
    active.fire('m.d');
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(of('graph').length, 1, 'not following');
    await controller.receive({ type: 'follow', enabled: true });
    const moved = new Promise<void>((resolve) => setImmediate(resolve));
    active.fire('m.d');
    await moved;
    assert.deepEqual(of('graph').map((graph) => graph.focus?.nodeId), ['m.b', 'm.d']);
    await controller.receive({ type: 'focus' });
    active.fire('m.c');
    active.fire('not.in.project');
    assert.deepEqual(of('reveal'), [{ type: 'reveal', nodeId: 'm.c' }]);
    controller.dispose();
    active.fire('m.e');
    assert.equal(of('reveal').length, 1, 'disposed: no longer listening');
  });
});

describe('lineage panel (VS Code side)', () => {
  type PanelModule = typeof import('../../src/views/lineagePanel');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LineagePanel, LineageSerializer } = requireWithFakeVscode(() => require('../../src/views/lineagePanel') as PanelModule);
  const extensionUri = fakeUri('/ext') as unknown as import('vscode').Uri;

  afterEach(() => {
    LineagePanel.current?.dispose();
    fakeEditor.panels.length = 0;
    fakeEditor.errors.length = 0;
  });

  /** Lets the panel's message handling (a promise chain) finish. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  it('opens one panel that loads only its own script and stylesheet, under a CSP with a fresh nonce', async () => {
    const { source, changed } = fakeSource(chain);
    const panel = LineagePanel.show(extensionUri, source, { focus: { nodeId: 'm.c' } });
    assert.equal(fakeEditor.panels.length, 1);
    const fake = fakeEditor.panels[0] as FakeWebviewPanel<ToLineage>;
    assert.equal(fake.viewType, WebviewTypes.lineage);
    assert.deepEqual(fake.webview.options.localResourceRoots?.map((root) => root.path), ['/ext/media', '/ext/dist/webview']);
    assert.equal(fake.webview.options.enableScripts, true);
    const html = fake.webview.html;
    const nonce = /nonce-([\w-]+)/.exec(html)?.[1];
    assert.ok(nonce);
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="https:///webview/ext/dist/webview/lineage\\.js"></script>`));
    assert.match(html, /<link rel="stylesheet" href="https:\/\/\/webview\/ext\/media\/lineage\.css">/);
    assert.match(html, /default-src 'none'/);
    assert.doesNotMatch(html, /m\.c|unsafe/, 'no data in the HTML');
    fake.send({ type: 'ready' });
    await settle();
    assert.deepEqual(fake.posted[0]?.type === 'graph' && fake.posted[0].focus, { nodeId: 'm.c', up: 2, down: 2 });
    assert.equal(fake.posted[0]?.type === 'graph' && fake.posted[0].follow, true, 'a new panel follows the editor');
    // Shown again: the same panel, revealed, on the new focus.
    assert.equal(LineagePanel.show(extensionUri, source, { focus: { nodeId: 'm.b', up: 0, down: 'all' } }), panel);
    await settle();
    assert.equal(fakeEditor.panels.length, 1);
    assert.equal(fake.revealed, 1);
    assert.deepEqual(fake.posted.at(-1)?.type === 'graph' && fake.posted.at(-1), { ...(fake.posted.at(-1) as object), focus: { nodeId: 'm.b', up: 0, down: 'all' } });
    // Closed by the user: everything it held is let go.
    assert.equal(changed.size, 1);
    fake.dispose();
    assert.equal(LineagePanel.current, undefined);
    assert.equal(changed.size, 0, 'no longer listening to the source');
  });

  it('restores itself after a reload with the focus its webview saved; a state not its own shows the whole project', async () => {
    const { source } = fakeSource(chain);
    const serializer = new LineageSerializer(extensionUri, () => source);
    const restored = new (await import('../support/fakeVscode')).FakeWebviewPanel<ToLineage>(WebviewTypes.lineage, 'Lineage', {});
    await serializer.deserializeWebviewPanel(restored as unknown as import('vscode').WebviewPanel, { version: 1, follow: false, focus: { nodeId: 'm.d', up: 1, down: 0 }, selected: 'm.c' });
    assert.ok(LineagePanel.current);
    assert.deepEqual(restored.webview.options.localResourceRoots?.map((root) => root.path), ['/ext/media', '/ext/dist/webview']);
    restored.send({ type: 'ready' });
    await settle();
    const graph = restored.posted.find((message): message is Extract<ToLineage, { type: 'graph' }> => message.type === 'graph');
    assert.deepEqual(graph?.focus, { nodeId: 'm.d', up: 1, down: 0 });
    assert.deepEqual(graph?.nodes.map((entry) => entry.id).sort(), ['m.c', 'm.d']);
    assert.equal(graph?.follow, false);
    // Another restore replaces the panel; a foreign state means no focus.
    const other = new (await import('../support/fakeVscode')).FakeWebviewPanel<ToLineage>(WebviewTypes.lineage, 'Lineage', {});
    await serializer.deserializeWebviewPanel(other as unknown as import('vscode').WebviewPanel, { something: 'else' });
    assert.equal(restored.disposed, true, 'one panel');
    other.send({ type: 'ready' });
    await settle();
    assert.equal(other.posted[0]?.type === 'graph' && other.posted[0].nodes.length, 5);
  });
});

describe('lineage drawing (pure parts)', () => {
  it('fits any graph in the screen, centred, at most at natural size', () => {
    for (const [w, h] of [
      [100, 100],
      [10_000, 400],
      [300, 40_000],
    ] as const) {
      const view = fitViewport({ x0: 0, y0: 0, x1: w, y1: h }, 800, 600);
      const seen = visibleRect(view, 800, 600);
      assert.ok(seen.x0 <= 0 && seen.y0 <= 0 && seen.x1 >= w && seen.y1 >= h, `${w}×${h} whole`);
      assert.ok(view.k <= 1);
      assert.ok(Math.abs(view.x + (w * view.k) / 2 - 400) < 1e-6, 'centred across');
    }
  });

  it('zooms about the pointer and centres a point', () => {
    const view = { x: 30, y: -40, k: 0.7 };
    const zoomed = zoomAt(view, 1.6, 250, 120);
    assert.ok(Math.abs((250 - zoomed.x) / zoomed.k - (250 - view.x) / view.k) < 1e-9 && Math.abs((120 - zoomed.y) / zoomed.k - (120 - view.y) / view.k) < 1e-9);
    assert.equal(zoomAt(view, 100, 0, 0).k, 2, 'at most twice the natural size');
    const centred = centreAt(500, 300, 800, 600, 1);
    assert.deepEqual([500 * centred.k + centred.x, 300 * centred.k + centred.y], [400, 300]);
  });

  it('starts and ends an edge on the sides of its boxes, whichever way it runs', () => {
    const half = NODE_WIDTH / 2;
    assert.match(edgePath([100, 50, 400, 80]), new RegExp(`^M${100 + half},50 C.* ${400 - half},80$`));
    assert.match(edgePath([400, 50, 100, 80]), new RegExp(`^M${400 - half},50 C.* ${100 + half},80$`));
    assert.equal(edgePath([100, 50, 300, 10, 500, 80]).split(' C').length, 3, 'one curve per routed segment');
    assert.equal(edgePath([1, 2]), '');
  });

  it('ranks search results: exact name, then prefix, then anywhere', () => {
    const entries = ['stg_orders', 'fct_orders', 'orders', 'sql_server_dbo.orders', 'int_orders_products', 'dim_users'].map((label) => ({ id: `x.${label}`, label, lane: 'gold' as const, kind: 'model' as const }));
    assert.deepEqual(searchNodes(entries, ' Orders ').map((entry) => entry.label), ['orders', 'sql_server_dbo.orders', 'fct_orders', 'stg_orders', 'int_orders_products']);
    assert.deepEqual(searchNodes(entries, 'dim_'), [entries[5]]);
    assert.deepEqual(searchNodes(entries, '  '), []);
    assert.equal(searchNodes(entries, 'o', 2).length, 2);
  });

  it('words figures the way a badge can hold them', () => {
    assert.deepEqual([950, 1_234, 14_700_000, 3_200_000_000].map(compactCount), ['950', '1.2k', '15M', '3.2B']);
    const now = Date.parse('2026-03-01T12:00:00Z');
    assert.deepEqual(['2026-03-01T11:59:50Z', '2026-03-01T11:15:00Z', '2026-03-01T07:00:00Z', '2026-02-20T12:00:00Z', '2026-03-02T00:00:00Z', 'garbage'].map((iso) => age(iso, now)), ['just now', '45 min ago', '5 h ago', '9 days ago', 'in the future', 'garbage']);
    assert.equal(truncate('products_budget_vs_sales', 10), 'products_…');
    assert.equal(truncate('short', 10), 'short');
  });
});
