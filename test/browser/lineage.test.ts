/// <reference lib="dom" />
/**
 * The real lineage webview bundle in headless Chromium, under the panel's CSP, talking to the
 * real `LineageController` over the project index of dbt-sample as real dbt compiles it (and of a
 * generated 1,000-model project). Expectations come from the manifest itself (its parent and
 * child maps, its folders) and from column lineage of the whole project, not from the code that
 * draws. Run with `node scripts/test-browser.mjs` (it bundles the webviews first).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectLineage, type ModelLineage } from '../../src/authoring/columnLineage';
import type { NodeStats } from '../../src/authoring/navigation';
import { buildProjectIndex, type ProjectIndex } from '../../src/authoring/projectIndex';
import { SqlParser } from '../../src/authoring/sqlParser';
import type { LineageDataSource } from '../../src/views/lineageController';
import { projectLineageSource } from '../../src/views/lineageSource';
import type { LineageFocus, LineageState } from '../../src/webview/lineageProtocol';
import { tempDir } from '../support/cli';
import { copySample, dbt, passed } from '../support/dbt';
import { syntheticProject } from '../support/syntheticProject';
import { launchChromium, startServer, watchPage } from './harness';
import { LineageHost, recordingSource } from './lineageHost';

const resultsDir = join(__dirname, '..', '..', 'test-results');
const XSS_NAME = '<img src=x onerror=window.__pwned=1>';

/** The parts of manifest.json these tests read and edit. */
interface ManifestEntry {
  unique_id: string;
  name: string;
  resource_type: string;
  fqn: string[];
  schema?: string;
  source_name?: string;
  alias?: string;
  description?: string;
  compiled_code?: string;
  columns?: Record<string, { name: string; description?: string }>;
  config?: { enabled?: boolean };
}

interface Manifest {
  nodes: Record<string, ManifestEntry>;
  sources: Record<string, ManifestEntry>;
  parent_map: Record<string, string[]>;
  child_map: Record<string, string[]>;
}

/** Hops along `links` from `start`, as far as `hops` (breadth first, each node once). */
function bfs(start: string, links: ReadonlyMap<string, readonly string[]>, hops: number): Set<string> {
  const seen = new Set([start]);
  let frontier = [start];
  for (let hop = 0; hop < hops && frontier.length > 0; hop++) {
    frontier = frontier.flatMap((id) => (links.get(id) ?? []).filter((next) => !seen.has(next) && (seen.add(next), true)));
  }
  return seen;
}

/** The lane dbt-sample's conventions give a node: sources bronze, staging silver, intermediate and marts gold, snapshots. */
function expectedLane(node: ManifestEntry): string {
  if (node.resource_type === 'source') return 'bronze';
  if (node.resource_type === 'snapshot') return 'snapshots';
  // dbt-sample's seeds (lookups) are configured into the silver schema.
  if (node.resource_type === 'seed') return node.schema === 'silver' ? 'silver' : 'other';
  const folders = node.fqn.slice(1, -1);
  if (folders.includes('staging')) return 'silver';
  if (folders.includes('marts') || folders.includes('intermediate')) return 'gold';
  return 'other';
}

describe('lineage webview (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: Server;
  let origin: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let host: LineageHost;
  let problems: string[];
  let parser: SqlParser;
  let work: string;
  /** dbt-sample's manifest as `dbt compile` wrote it. */
  let manifest: Manifest;
  /** Project nodes (no tests) and their parents and children, read straight from the manifest. */
  let nodeIds: string[];
  const parentMap = new Map<string, string[]>();
  const childMap = new Map<string, string[]>();

  before(async function () {
    this.timeout(600_000);
    ({ server, origin } = await startServer());
    browser = await launchChromium();
    work = tempDir('lineage-browser');
    const project = copySample(work);
    const compile = dbt(['compile'], { warehouse: join(work, 'greenery.duckdb'), project });
    assert.equal(compile.code, 0, passed(compile));
    manifest = JSON.parse(readFileSync(join(compile.targetDir, 'manifest.json'), 'utf8')) as Manifest;
    const isNode = (id: string): boolean => /^(model|seed|snapshot|source)\./.test(id) && (manifest.nodes[id] ?? manifest.sources[id])?.config?.enabled !== false;
    nodeIds = [...Object.keys(manifest.nodes), ...Object.keys(manifest.sources)].filter(isNode).sort();
    for (const id of nodeIds) {
      parentMap.set(id, (manifest.parent_map[id] ?? []).filter(isNode));
      childMap.set(id, (manifest.child_map[id] ?? []).filter(isNode));
    }
    parser = await SqlParser.open();
  });

  after(async () => {
    await parser?.close();
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (!context) return;
    const violations = await page.evaluate(() => window.__violations).catch(() => [] as string[]);
    const pwned = await page.evaluate(() => window.__pwned).catch(() => undefined);
    await context.close();
    context = undefined;
    host.controller.dispose();
    if (this.currentTest?.state === 'passed') {
      assert.deepEqual(violations, [], 'no CSP violations');
      assert.equal(pwned, undefined, 'no injected script ran');
      assert.deepEqual(problems, [], 'no dialogs, page errors or console errors');
    }
  });

  /** The index of dbt-sample's manifest, after `edit` changed the manifest's JSON. */
  function sampleIndex(edit?: (copy: Manifest, node: (id: string) => ManifestEntry) => void): ProjectIndex {
    const copy = structuredClone(manifest);
    edit?.(copy, (id) => copy.nodes[id] as ManifestEntry);
    return buildProjectIndex({ manifest: copy });
  }

  /** Badges for a few nodes: a failed run, failed tests, rows, a stale source. */
  const sampleStats = (id: string): NodeStats | undefined => {
    const at = new Date(Date.now() - 5 * 3_600_000).toISOString();
    if (id === 'model.greenery.stg_orders') return { rows: 14_700_000, freshAt: at, status: { status: 'success', at, tests: 'fail' } };
    if (id === 'model.greenery.stg_users') return { rows: 950, status: { status: 'error', at, message: 'Binder Error' } };
    if (id === 'source.greenery.sql_server_dbo.orders') return { rows: 1234, freshAt: new Date(Date.now() - 80 * 3_600_000).toISOString() };
    return undefined;
  };

  function sampleSource(index: ProjectIndex = sampleIndex()): ReturnType<typeof recordingSource> {
    return recordingSource(projectLineageSource({ index: () => index, parser: () => Promise.resolve(parser), stats: sampleStats }));
  }

  /** Opens the webview against `source`; resolves when its first graph is on screen. */
  async function open(source: LineageDataSource, options: { focus?: LineageFocus; saved?: LineageState; width?: number; height?: number } = {}) {
    context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 1100 }, colorScheme: 'dark' });
    page = await context.newPage();
    problems = watchPage(page);
    host = new LineageHost(page, source, options.saved ? { focus: options.saved.focus, follow: options.saved.follow } : { focus: options.focus });
    await host.install();
    if (options.saved) await page.addInitScript(`window.__state = ${JSON.stringify(options.saved)};`);
    const first = host.nextRendered();
    await page.goto(`${origin}/lineage.html`);
    return first;
  }

  const nodeSelector = (id: string): string => `.node[data-id="${id.replace(/"/g, '\\"')}"]`;
  /** The ids of the node boxes in the DOM. */
  const drawnIds = (): Promise<string[]> => page.$$eval('.node', (nodes) => nodes.map((node) => node.getAttribute('data-id') ?? '').sort());
  /** Screen box of a node, of the graph area. */
  const boxOf = async (id: string) => {
    const box = await page.locator(`${nodeSelector(id)} .box`).boundingBox();
    assert.ok(box, `${id} is drawn`);
    return box;
  };
  const graphBox = async () => (await page.locator('.graph').boundingBox()) as { x: number; y: number; width: number; height: number };

  /** How the manifest names a node: a model's name, `source.table` for a source. */
  /** A project node of the manifest. */
  const entry = (id: string): ManifestEntry => {
    const found = manifest.nodes[id] ?? manifest.sources[id];
    assert.ok(found, `${id} is in the manifest`);
    return found;
  };
  const labelOf = (id: string): string => (entry(id).source_name ? `${entry(id).source_name}.${entry(id).name}` : entry(id).name);
  /** Two frames: whatever the last input scheduled is drawn. */
  const settled = (): Promise<unknown> => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const transform = (): Promise<string | null> => page.locator('.world').getAttribute('transform');

  /** Finds a node with the search box, focuses on it, then picks the depths in the toolbar; resolves when drawn. */
  async function focusVia(nodeId: string, up: string, down: string): Promise<void> {
    await page.locator('.search-input').fill(labelOf(nodeId));
    const option = page.locator(`.search-option[data-id="${nodeId}"]`);
    const refocus = (await option.locator('.search-outside').count()) > 0 ? host.nextRendered() : undefined;
    await option.dispatchEvent('pointerdown');
    await refocus;
    await page.locator(`.node.selected[data-id="${nodeId}"]`).waitFor();
    const focused = host.nextRendered();
    await page.locator('.focus-selected').click();
    await focused;
    for (const [select, value] of [['.depth-up', up], ['.depth-down', down]] as const) {
      if ((await page.locator(select).inputValue()) === value) continue;
      const next = host.nextRendered();
      await page.locator(select).selectOption(value);
      await next;
    }
  }

  it('draws every node of dbt-sample in its lane under the lane headers', async () => {
    const { graph } = await open(sampleSource());
    assert.deepEqual(graph.nodes.map((node) => node.id).sort(), nodeIds, 'the graph holds every model, seed, snapshot and source');
    assert.deepEqual(await drawnIds(), nodeIds, 'every node is drawn when the whole project fits');
    const headers = await page.$$eval('.lane-header', (elements) =>
      elements.map((element) => {
        const box = element.getBoundingClientRect();
        return { lane: element.getAttribute('data-lane') ?? '', text: element.textContent ?? '', left: box.left, right: box.right };
      }),
    );
    const lanes = new Map<string, string[]>();
    for (const id of nodeIds) {
      const lane = expectedLane(entry(id));
      lanes.set(lane, [...(lanes.get(lane) ?? []), id]);
    }
    assert.deepEqual(
      headers.map((header) => [header.lane, header.text]),
      // The four lanes always, and a lane of the rest (dbt-sample's watermark ledger) when there is one.
      ['bronze', 'silver', 'gold', 'snapshots', 'other'].filter((lane) => lane !== 'other' || lanes.has(lane)).map((lane) => [lane, `${lane[0]?.toUpperCase()}${lane.slice(1)}${lanes.get(lane)?.length ?? 0}`]),
      'the lanes, left to right, with their node counts',
    );
    for (const [lane, ids] of lanes) {
      const header = headers.find((candidate) => candidate.lane === lane);
      assert.ok(header, lane);
      for (const id of ids) {
        const box = await boxOf(id);
        assert.ok(box.x >= header.left - 0.5 && box.x + box.width <= header.right + 0.5, `${id} sits under the ${lane} header`);
        const title = await page.locator(`${nodeSelector(id)} title`).textContent();
        assert.equal(title?.split(' · ')[0], labelOf(id));
      }
    }
    // Badges: a failed run, failed tests, rows, a source past its error_after.
    assert.match((await page.locator(nodeSelector('model.greenery.stg_users')).getAttribute('class')) ?? '', /run-error/);
    assert.equal(await page.locator(`${nodeSelector('model.greenery.stg_orders')} .tests`).textContent(), '✗ tests');
    assert.equal(await page.locator(`${nodeSelector('model.greenery.stg_orders')} .meta`).textContent(), 'incremental');
    assert.equal(await page.locator(`${nodeSelector('model.greenery.stg_orders')} .facts`).textContent(), '15M rows · 5 h ago');
    assert.equal(await page.locator(`${nodeSelector('source.greenery.sql_server_dbo.orders')} .fresh-dot`).getAttribute('class'), 'fresh-dot freshness-error');
  });

  it('draws every edge from the side of its source box to the side of its target box', async () => {
    const { graph } = await open(sampleSource());
    const expected = nodeIds.flatMap((id) => (parentMap.get(id) ?? []).map((parent) => `${parent} -> ${id}`)).sort();
    assert.deepEqual(graph.edges.map((edge) => `${edge.from} -> ${edge.to}`).sort(), expected);
    const drawn = await page.$$eval('.edge', (paths) =>
      paths.map((path) => {
        const line = path as SVGPathElement;
        const matrix = line.getScreenCTM() as DOMMatrix;
        const start = line.getPointAtLength(0).matrixTransform(matrix);
        const end = line.getPointAtLength(line.getTotalLength()).matrixTransform(matrix);
        return { from: line.getAttribute('data-from') ?? '', to: line.getAttribute('data-to') ?? '', start: [start.x, start.y], end: [end.x, end.y] };
      }),
    );
    assert.deepEqual(drawn.map((edge) => `${edge.from} -> ${edge.to}`).sort(), expected, 'one path per edge');
    for (const edge of drawn) {
      const [from, to] = [await boxOf(edge.from), await boxOf(edge.to)];
      const [sx, sy] = edge.start as [number, number];
      const [ex, ey] = edge.end as [number, number];
      const onSide = (box: typeof from, x: number, y: number): boolean => (Math.abs(x - box.x) < 1.5 || Math.abs(x - (box.x + box.width)) < 1.5) && y > box.y && y < box.y + box.height;
      assert.ok(onSide(from, sx, sy), `${edge.from} -> ${edge.to} starts on a side of ${edge.from}`);
      assert.ok(onSide(to, ex, ey), `${edge.from} -> ${edge.to} ends on a side of ${edge.to}`);
    }
  });

  it('focused n hops up and down, shows exactly the nodes a breadth-first walk reaches', async () => {
    await open(sampleSource());
    const cases: Array<[string, string, string]> = [
      ['model.greenery.stg_orders', '1', '1'],
      ['model.greenery.stg_orders', '0', '2'],
      ['model.greenery.fct_orders_products', '2', '0'],
      ['model.greenery.fct_orders_products', 'all', '1'],
      ['source.greenery.sql_server_dbo.users', '3', 'all'],
      ['model.greenery.int_user_orders', '1', '3'],
    ];
    for (const [id, up, down] of cases) {
      await focusVia(id, up, down);
      const hops = (text: string): number => (text === 'all' ? Infinity : Number(text));
      const expected = new Set([...bfs(id, parentMap, hops(up)), ...bfs(id, childMap, hops(down))]);
      assert.deepEqual(await drawnIds(), [...expected].sort(), `${id} ${up} up ${down} down`);
      assert.equal(await page.locator('.focus-label').textContent(), `Focus: ${labelOf(id)}`);
      const edges = await page.$$eval('.edge', (paths) => paths.map((path) => `${path.getAttribute('data-from')} -> ${path.getAttribute('data-to')}`).sort());
      assert.deepEqual(edges, [...expected].flatMap((child) => (parentMap.get(child) ?? []).filter((parent) => expected.has(parent)).map((parent) => `${parent} -> ${child}`)).sort());
    }
    const whole = host.nextRendered();
    await page.locator('.whole-project').click();
    assert.equal((await whole).graph.nodes.length, nodeIds.length);
    assert.equal(await page.locator('.focus-label').textContent(), 'Whole project');
  });

  it('search finds a node and centres it; a node outside the focus is focused on', async () => {
    await open(sampleSource(), { focus: { nodeId: 'model.greenery.stg_orders', up: 1, down: 0 } });
    await page.keyboard.press('/');
    await page.keyboard.type('ORDERS');
    const options = await page.$$eval('.search-option', (items) => items.map((item) => item.getAttribute('data-id')));
    assert.ok(options.includes('model.greenery.stg_orders') && options.includes('model.greenery.fct_orders'), 'case-insensitive, whole project');
    // Zoom far out first: centring zooms back in to read the node.
    await page.locator('.graph').hover();
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 400);
    await page.locator('.search-input').fill('stg_orders');
    await page.keyboard.press('Enter');
    await page.locator('.side-title').filter({ hasText: /^stg_orders$/ }).waitFor();
    await host.nextFrom('selectNode', (message) => message.nodeId === 'model.greenery.stg_orders', true);
    await page.waitForFunction(() => document.querySelector('.node.selected .label') !== null);
    const box = await boxOf('model.greenery.stg_orders');
    const area = await graphBox();
    assert.ok(Math.abs(box.x + box.width / 2 - (area.x + area.width / 2)) < 2, 'centred across');
    assert.ok(Math.abs(box.y + box.height / 2 - (area.y + (area.height + 30) / 2)) < 2, 'centred down (below the lane headers)');
    assert.ok(box.width >= 212 * 0.8 - 1, 'zoomed in enough to read it');
    // A mart outside this focus: the view focuses on it, and selects it.
    const refocused = host.nextRendered();
    await page.locator('.search-input').fill('user_purchases');
    await page.keyboard.press('Enter');
    const { graph } = await refocused;
    assert.equal(graph.focus?.nodeId, 'model.greenery.user_purchases');
    await page.locator('.node.selected[data-id="model.greenery.user_purchases"]').waitFor();
    await page.locator('.search-input').fill('no such model');
    assert.equal(await page.locator('.search-empty').textContent(), 'No node matches');
  });

  it('a click selects a node; its actions post Open, Preview, Build, Build + downstream and Focus', async () => {
    const source = sampleSource();
    await open(source);
    const id = 'model.greenery.stg_orders';
    await page.locator(`${nodeSelector(id)} .box`).click();
    assert.deepEqual(await host.nextFrom('selectNode', () => true, true), { type: 'selectNode', nodeId: id });
    await page.locator('.side-title').filter({ hasText: /^stg_orders$/ }).waitFor();
    await page.locator('.side-description').filter({ hasText: /./ }).waitFor();
    assert.equal(await page.locator('.side-description').textContent(), entry(id).description?.trim());
    for (const [button, expected] of [
      ['.action-open', { type: 'open', nodeId: id }],
      ['.action-preview', { type: 'preview', nodeId: id }],
      ['.action-build', { type: 'build', nodeId: id, downstream: false }],
      ['.action-build-downstream', { type: 'build', nodeId: id, downstream: true }],
    ] as const) {
      const posted = host.nextFrom(expected.type);
      await page.locator(button).click();
      assert.deepEqual(await posted, expected);
      assert.deepEqual(source.actions.at(-1), expected, 'the data source was asked');
    }
    const focused = host.nextRendered();
    await page.locator('.action-focus').click();
    assert.deepEqual(host.received('focus').at(-1), { type: 'focus', focus: { nodeId: id, up: 2, down: 2 } });
    assert.equal((await focused).graph.focus?.nodeId, id);
    // A double click opens; a click on the background clears the selection.
    const opened = host.nextFrom('open');
    await page.locator(`${nodeSelector('source.greenery.sql_server_dbo.orders')} .box`).dblclick();
    assert.deepEqual(await opened, { type: 'open', nodeId: 'source.greenery.sql_server_dbo.orders' });
    const area = await graphBox();
    await page.mouse.click(area.x + 5, area.y + area.height - 5);
    await page.locator('.side').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('.node.selected').count(), 0);
  });

  it('a column picked lights up exactly its upstream columns through the graph', async () => {
    const index = sampleIndex();
    const all = await projectLineage(index, parser);
    /** The upstream of a column, walked here over the whole project's lineage: columns by node, and node edges the walk took. */
    const upstream = (nodeId: string, column: string): { found: Map<string, Set<string>>; links: Set<string> } => {
      const found = new Map<string, Set<string>>();
      const links = new Set<string>();
      const queue: Array<[string, string]> = [[nodeId, column]];
      while (queue.length > 0) {
        const [node, name] = queue.shift() as [string, string];
        const lineage = all.get(node);
        const entry = lineage?.status === 'parsed' ? lineage.columns.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase()) : undefined;
        for (const source of entry?.sources ?? []) {
          if (source.nodeId) links.add(`${source.nodeId} -> ${node}`);
          const key = source.nodeId ?? source.relation;
          const columns = found.get(key) ?? new Set<string>();
          if (columns.has(source.column)) continue;
          columns.add(source.column);
          found.set(key, columns);
          if (source.nodeId) queue.push([source.nodeId, source.column]);
        }
      }
      return { found, links };
    };
    // The known fact first: stg_orders.order_id is a copy of the source's order_id.
    assert.deepEqual([...upstream('model.greenery.stg_orders', 'order_id').found].map(([key, columns]) => [key, [...columns]]), [['source.greenery.sql_server_dbo.orders', ['order_id']]]);
    // The deepest trace of a mart: the column whose upstream spans the most nodes.
    let origin: { nodeId: string; column: string; found: Map<string, Set<string>>; links: Set<string> } | undefined;
    for (const [nodeId, lineage] of all) {
      if (lineage.status !== 'parsed' || !nodeId.includes('.greenery.') || index.nodes.get(nodeId)?.layer !== 'gold') continue;
      for (const column of lineage.columns) {
        const walked = upstream(nodeId, column.name);
        if (!origin || walked.found.size > origin.found.size) origin = { nodeId, column: column.name, ...walked };
      }
    }
    assert.ok(origin && origin.found.size >= 3, 'a mart column with an upstream over three nodes or more');
    await open(sampleSource(index));
    await page.locator(`${nodeSelector(origin.nodeId)} .box`).click();
    const traced = host.nextTo('trace');
    await page.locator(`.column-button[data-column="${origin.column}"]`).click();
    await traced;
    assert.deepEqual(host.received('selectColumn').at(-1), { type: 'selectColumn', nodeId: origin.nodeId, column: origin.column });
    await page.locator('.trace-list').waitFor();
    const expectedNodes = [origin.nodeId, ...origin.found.keys()].filter((key) => nodeIds.includes(key)).sort();
    assert.deepEqual((await page.$$eval('.node.traced', (nodes) => nodes.map((node) => node.getAttribute('data-id') ?? ''))).sort(), expectedNodes, 'every node of the trace lit, no other');
    for (const [nodeId, columns] of origin.found) {
      if (!nodeIds.includes(nodeId)) continue;
      // The box lists the node's traced columns (cut to its width): the first is one of them.
      const first = ((await page.locator(`${nodeSelector(nodeId)} .trace-columns`).textContent()) ?? '').split(', ')[0]?.replace(/( \?)?…?$/, '') ?? '';
      assert.ok(columns.has(first) || (nodeId === origin.nodeId && first === origin.column), `${nodeId} lists ${first}`);
    }
    const items = await page.$$eval('.trace-item', (entries) => entries.map((entry) => `${entry.getAttribute('data-node')}.${entry.getAttribute('data-column')}`).sort());
    assert.deepEqual(items, [...origin.found].flatMap(([key, columns]) => [...columns].map((column) => `${nodeIds.includes(key) ? key : ''}.${column}`)).sort(), 'the side panel lists every upstream column');
    const litEdges = await page.$$eval('.edge.traced', (paths) => paths.map((path) => `${path.getAttribute('data-from')} -> ${path.getAttribute('data-to')}`).sort());
    assert.deepEqual(litEdges, [...origin.links].sort(), 'the edges the upstream runs along are lit, no other');
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'lineage-trace.png') });
  });

  it('marks unknown and unparsed column lineage as such, with the reason', async () => {
    // Two models whose compiled SQL the lineage cannot (wholly) follow: a table function and Snowflake-only syntax.
    const unknownModel = 'model.greenery.stg_promos';
    const unparsedModel = 'model.greenery.stg_budget';
    const index = sampleIndex((_copy, node) => {
      node(unknownModel).compiled_code = "select promo_id, discount, upper(x.status) as status from read_csv('promos.csv') as x";
      node(unparsedModel).compiled_code = 'select * from budget match_recognize (partition by product_id order by month measures last(month) as month pattern (a+) define a as true)';
    });
    await open(sampleSource(index));
    await page.locator(`${nodeSelector(unknownModel)} .box`).click();
    await page.locator('.column-item.unknown').first().waitFor();
    const unknown = await page.$$eval('.column-item.unknown', (items) => items.map((item) => [item.querySelector('.column-name')?.textContent, item.querySelector('.column-reason')?.textContent]));
    assert.deepEqual(unknown.map(([name]) => name), ['promo_id', 'discount', 'status']);
    for (const [, reason] of unknown) assert.match(reason ?? '', /^unknown: .*read_csv/);
    await page.locator(`${nodeSelector(unparsedModel)} .box`).click();
    await page.locator('.lineage-note.unparsed').waitFor();
    assert.match((await page.locator('.lineage-note').textContent()) ?? '', /^Column lineage unparsed: DuckDB could not parse the compiled SQL \(.+\)\.$/);
    // Downstream of both, a trace stops at them and says why.
    const child = [...index.nodes.values()].find((node) => node.parents.includes(unknownModel) && node.kind === 'model');
    assert.ok(child);
    const lineage = (await sampleSource(index).columnLineage(child.uniqueId)) as ModelLineage;
    const column = lineage.status === 'parsed' ? lineage.columns.find((entry) => entry.sources.some((source) => source.nodeId === unknownModel)) : undefined;
    assert.ok(column, `${child.name} reads a column of ${unknownModel}`);
    await page.locator(`${nodeSelector(child.uniqueId)} .box`).click();
    const traced = host.nextTo('trace');
    await page.locator(`.column-button[data-column="${column.name}"]`).click();
    await traced;
    await page.locator('.trace-item.state-unknown').first().waitFor();
    assert.match((await page.locator(nodeSelector(unknownModel)).getAttribute('class')) ?? '', /traced trace-unknown/);
    assert.match((await page.locator('.trace-item.state-unknown .trace-reason').first().textContent()) ?? '', /read_csv/);
    assert.equal(await page.locator('.trace-item.state-unknown .badge.state-unknown').first().textContent(), 'unknown');
  });

  it('shows markup in names, descriptions and columns as text, never runs it', async () => {
    const id = 'model.greenery.stg_orders';
    const index = sampleIndex((_copy, node) => {
      node(id).name = XSS_NAME;
      node(id).description = `<script>window.__pwned = 2</script>${XSS_NAME}`;
      node(id).columns = { [XSS_NAME]: { name: XSS_NAME, description: '<b>bold</b>' } };
    });
    const { graph } = await open(sampleSource(index));
    assert.ok(graph.nodes.some((node) => node.label === XSS_NAME));
    assert.equal(await page.locator(`${nodeSelector(id)} title`).evaluate((title) => title.textContent?.split(' · ')[0]), XSS_NAME);
    await page.locator(`${nodeSelector(id)} .box`).click();
    await page.locator('.side-title').filter({ hasText: XSS_NAME }).waitFor();
    await page.locator('.side-description').filter({ hasText: 'script' }).waitFor();
    await page.locator('.column-name').filter({ hasText: XSS_NAME }).waitFor();
    await page.locator('.search-input').fill('<img');
    assert.equal(await page.locator('.search-label').first().textContent(), XSS_NAME);
    assert.equal(await page.locator('img, script:not([nonce]), b').count(), 0, 'no element was made of the markup');
  });

  it('sends new badges without moving the view; a changed project is drawn again where it was', async () => {
    let stats = sampleStats;
    const index = sampleIndex();
    const source = recordingSource(projectLineageSource({ index: () => index, parser: () => Promise.resolve(parser), stats: (id) => stats(id) }));
    await open(source);
    const area = await graphBox();
    await page.mouse.click(area.x + 5, area.y + area.height - 5);
    await page.mouse.wheel(0, -200);
    await page.keyboard.press('ArrowLeft');
    await settled();
    const before = await transform();
    const id = 'model.greenery.stg_orders';
    stats = (nodeId) => (nodeId === id ? { status: { status: 'error', at: new Date().toISOString(), message: 'boom' } } : sampleStats(nodeId));
    const badges = host.nextTo('status');
    source.changed.fire();
    const status = await badges;
    assert.equal(host.sent('graph').length, 1, 'no new graph for new badges');
    assert.equal(status.nodes.find((node) => node.id === id)?.status?.status, 'error');
    await page.waitForFunction((nodeId) => document.querySelector(`.node[data-id="${nodeId}"]`)?.classList.contains('run-error'), id);
    await settled();
    assert.equal(await transform(), before, 'the view did not move');
    // A new model: a new graph, drawn in the same view.
    const grown = sampleIndex((copy, node) => {
      copy.nodes['model.greenery.stg_orders_copy'] = { ...structuredClone(node(id)), unique_id: 'model.greenery.stg_orders_copy', name: 'stg_orders_copy', alias: 'stg_orders_copy' };
      copy.parent_map['model.greenery.stg_orders_copy'] = [id];
      copy.child_map['model.greenery.stg_orders_copy'] = [];
      copy.child_map[id] = [...(copy.child_map[id] ?? []), 'model.greenery.stg_orders_copy'];
    });
    source.graph = projectLineageSource({ index: () => grown, parser: () => Promise.resolve(parser) }).graph;
    const redrawn = host.nextRendered();
    source.changed.fire();
    const { graph } = await redrawn;
    assert.equal(graph.reason, 'change');
    assert.ok(graph.nodes.some((node) => node.id === 'model.greenery.stg_orders_copy'));
    assert.equal(await transform(), before, 'the view did not move');
  });

  it('restores focus, selection and view after a reload from the state it saved', async () => {
    await open(sampleSource(), { focus: { nodeId: 'model.greenery.int_user_orders', up: 2, down: 1 } });
    const parent = parentMap.get('model.greenery.int_user_orders')?.[0] as string;
    await page.locator(`${nodeSelector(parent)} .box`).click();
    await page.locator('.graph').hover();
    await page.mouse.wheel(0, 300);
    await page.waitForFunction((id) => (window.__state as { selected?: string } | undefined)?.selected === id, parent);
    // Saved on a short timer after the view moves: read it once it settled.
    await page.waitForFunction(() => {
      const saved = window.__state as { viewport?: { x: number; y: number; k: number } } | undefined;
      const transform = document.querySelector('.world')?.getAttribute('transform') ?? '';
      return !!saved?.viewport && transform === `translate(${saved.viewport.x},${saved.viewport.y}) scale(${saved.viewport.k})`;
    });
    const saved = (await page.evaluate(() => window.__state)) as LineageState;
    const view = await transform();
    await context?.close();
    context = undefined;
    host.controller.dispose();
    // What the serializer does: a new panel with the saved state, a new webview that finds it.
    const { graph } = await open(sampleSource(), { saved });
    assert.deepEqual(graph.focus, { nodeId: 'model.greenery.int_user_orders', up: 2, down: 1 });
    assert.equal(graph.reason, 'load');
    await page.locator(`.node.selected${nodeSelector(parent).slice('.node'.length)}`).waitFor();
    assert.equal(await transform(), view);
  });

  it('moves along the graph and zooms with the keyboard', async () => {
    await open(sampleSource(), { focus: { nodeId: 'model.greenery.stg_orders', up: 1, down: 1 } });
    await page.locator(`${nodeSelector('model.greenery.stg_orders')} .box`).click();
    await page.keyboard.press('ArrowLeft');
    await host.nextFrom('selectNode', (message) => message.nodeId === 'source.greenery.sql_server_dbo.orders', true);
    await page.keyboard.press('ArrowRight');
    await host.nextFrom('selectNode', (message) => message.nodeId === 'model.greenery.stg_orders', true);
    const opened = host.nextFrom('open');
    await page.keyboard.press('Enter');
    assert.equal((await opened).nodeId, 'model.greenery.stg_orders');
    const scale = async (): Promise<number> => Number(/scale\(([\d.e-]+)\)/.exec((await transform()) ?? '')?.[1]);
    const before = await scale();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await settled();
    assert.ok((await scale()) > before * 1.5, 'zoomed in');
    await page.keyboard.press('0');
    await settled();
    // Fitted: every box of the focus inside the graph area.
    const area = await graphBox();
    for (const id of await drawnIds()) {
      const box = await boxOf(id);
      assert.ok(box.x >= area.x && box.x + box.width <= area.x + area.width && box.y >= area.y && box.y + box.height <= area.y + area.height, `${id} in view`);
    }
    await page.keyboard.press('Escape');
    await page.locator('.side').waitFor({ state: 'hidden' });
  });

  it('follows the editor: the focus moves to the model of the active file', async () => {
    const source = sampleSource();
    await open(source, { focus: { nodeId: 'model.greenery.stg_orders', up: 1, down: 1 } });
    const followed = host.nextFrom('follow');
    await page.locator('.follow').click();
    assert.deepEqual(await followed, { type: 'follow', enabled: true });
    const moved = host.nextRendered();
    source.active.fire('model.greenery.dim_users');
    assert.equal((await moved).graph.focus?.nodeId, 'model.greenery.dim_users');
    await page.locator('.node.selected[data-id="model.greenery.dim_users"]').waitFor();
  });

  it('says why there is no lineage, and draws it once there is', async () => {
    /** No manifest until the test writes one. */
    const built: { index?: ProjectIndex } = {};
    const source = recordingSource(
      projectLineageSource({
        index: () => {
          if (!built.index) throw new Error('No dbt manifest yet: run dbt parse in dbt-sample');
          return built.index;
        },
        parser: () => Promise.resolve(parser),
      }),
    );
    context = await browser.newContext({ viewport: { width: 1000, height: 600 }, colorScheme: 'dark' });
    page = await context.newPage();
    problems = watchPage(page);
    host = new LineageHost(page, source);
    await host.install();
    const failed = host.nextTo('error');
    await page.goto(`${origin}/lineage.html`);
    await failed;
    await page.locator('.overlay.error').filter({ hasText: 'No dbt manifest yet: run dbt parse in dbt-sample' }).waitFor();
    built.index = sampleIndex();
    const drawn = host.nextRendered();
    await page.getByRole('button', { name: 'Retry' }).click();
    assert.equal((await drawn).graph.nodes.length, nodeIds.length);
    assert.ok(await page.locator('.overlay').isHidden());
  });

  it('draws a generated 1,000-model project, only what is on screen in the DOM', async () => {
    const project = syntheticProject({ models: 1000 });
    const index = buildProjectIndex({ manifest: project.manifest });
    const { graph, ms } = await open(recordingSource(projectLineageSource({ index: () => index, parser: () => Promise.resolve(parser) })), { width: 1400, height: 900 });
    assert.equal(graph.nodes.length, index.nodes.size);
    assert.ok(graph.nodes.length >= 1_100);
    console.log(`      ${graph.nodes.length.toLocaleString('en-US')} nodes, ${graph.edges.length.toLocaleString('en-US')} edges on screen ${ms.toFixed(0)} ms after the graph message (shared machine; node scripts/bench-lineage.mjs times it beside an anchor)`);
    // Fitted whole: every box drawn, as plain shapes (no text at this scale).
    assert.equal(await page.locator('.node').count(), graph.nodes.length);
    assert.equal(await page.locator('.node text').count(), 0);
    assert.equal(await page.locator('.edge').count(), graph.edges.length);
    // Zoomed in on one mart: its text, and only the boxes near it in the DOM.
    const mart = project.models.find((model) => model.folder === 'marts') as (typeof project.models)[number];
    await page.locator('.search-input').fill(mart.name);
    await page.keyboard.press('Enter');
    await page.locator(`.node.selected[data-id="${mart.uniqueId}"] .label`).waitFor();
    const drawn = await page.locator('.node').count();
    assert.ok(drawn > 0 && drawn < graph.nodes.length / 5, `${drawn} boxes in the DOM`);
    assert.ok((await page.locator('.edge').count()) < graph.edges.length / 2);
    // Panning brings the rest in, and takes what left out.
    await page.locator('.graph').hover();
    const area = await graphBox();
    await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width / 2, area.y - 2000, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((id) => document.querySelector(`.node[data-id="${id}"]`) === null, mart.uniqueId);
  });

  it('looks like a VS Code view (screenshot)', async () => {
    await open(sampleSource());
    await page.locator(`${nodeSelector('model.greenery.fct_orders')} .box`).hover();
    await page.waitForFunction(() => document.querySelector('.graph-svg.hovering') !== null);
    assert.ok((await page.locator('.edge.hl-up').count()) > 0, 'upstream path lit');
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'lineage.png') });
    const colours = await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
    assert.deepEqual(colours, ['rgb(31, 31, 31)', 'rgb(204, 204, 204)']);
  });
});
