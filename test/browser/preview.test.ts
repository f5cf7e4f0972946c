/// <reference lib="dom" />
/**
 * The real preview webview bundle in headless Chromium, under the panel's CSP, talking to a fake
 * extension. Run with `node scripts/test-browser.mjs` (it bundles the webview first).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { toTsv, type PreviewValue } from '../../src/core/values';
import { FakeHost, INJECTION_COLUMN, launchChromium, productDataset, SCRIPT_PRODUCT, sortRows, startServer, XSS_PRODUCT, type Dataset } from './harness';

const resultsDir = join(__dirname, '..', '..', 'test-results');

describe('preview webview (Chromium)', function () {
  let browser: Browser;
  let server: Server;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  let host: FakeHost;
  let dataset: Dataset;
  let problems: string[];

  before(async () => {
    ({ server, origin } = await startServer());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Opens the webview page against a fresh fake host; `ready` is answered before this returns. */
  async function open(options: { data?: Dataset; pageSize?: number; holdCount?: boolean; beforeReady?: () => void } = {}): Promise<() => void> {
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'dark' });
    page = await context.newPage();
    problems = [];
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    dataset = options.data ?? productDataset();
    host = new FakeHost(page, dataset, options.pageSize ?? 200);
    let release = (): void => undefined;
    if (options.holdCount) host.countGate = new Promise<void>((resolve) => (release = resolve));
    options.beforeReady?.();
    await host.install();
    await page.goto(`${origin}/preview.html`);
    return release;
  }

  afterEach(async function () {
    if (page) {
      const violations = await page.evaluate(() => window.__violations).catch(() => [] as string[]);
      const pwned = await page.evaluate(() => window.__pwned).catch(() => undefined);
      await context.close();
      if (this.currentTest?.state === 'passed') {
        assert.deepEqual(violations, [], 'no CSP violations');
        assert.equal(pwned, undefined, 'no injected script ran');
        assert.deepEqual(problems, [], 'no dialogs, page errors or console errors');
      }
    }
  });

  const rowsText = (): Promise<string> => page.locator('.rows-text').innerText();
  const cell = (row: number, col: number) => page.locator(`.grid-body .cell[data-row="${row}"][data-col="${col}"]`);
  const columnIndex = (name: string): number => dataset.columns.findIndex((column) => column.name === name);
  const header = (name: string) => page.locator(`.header-cell[data-col="${columnIndex(name)}"]`);
  const lastPageRequest = () => host.of('requestPage').at(-1);
  /** The values of a column in the rendered rows, top to bottom. */
  const renderedColumn = (col: number): Promise<string[]> =>
    page.$$eval(`.grid-body .cell[data-col="${col}"]`, (cells) =>
      cells.sort((a, b) => Number((a as HTMLElement).dataset.row) - Number((b as HTMLElement).dataset.row)).map((c) => c.textContent ?? ''),
    );

  it('shows the first page, its columns with types, and the count when it arrives', async () => {
    const release = await open({ holdCount: true });
    await page.locator('.grid-body .cell').first().waitFor();
    assert.match(await rowsText(), /^Rows 1–200 of counting…$/);
    release();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.deepEqual(host.of('requestPage')[0], { type: 'requestPage', requestId: 1, offset: 0, recount: true });
    assert.equal(await header('price').locator('.column-name').innerText(), 'price');
    assert.equal(await header('price').locator('.column-type').innerText(), 'DECIMAL(10,2)');
    assert.equal(await cell(0, columnIndex('name')).innerText(), 'Plant 1');
    assert.equal(await cell(0, columnIndex('price')).innerText(), '3.00', 'decimals keep their scale');
    assert.equal(await cell(0, columnIndex('notes')).innerText(), 'NULL');
    assert.ok(await cell(0, columnIndex('notes')).evaluate((element) => element.classList.contains('null')));
    assert.match(await page.locator('.timing-text').innerText(), /Query 12 ms · Count 3 ms/);
    assert.equal(await page.locator('.page-of').innerText(), 'of 50');
    assert.equal(await page.locator('.grid').getAttribute('aria-rowcount'), '10001');
  });

  it('renders markup in the data as text: no element, no script, no dialog', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    const name = columnIndex('name');
    assert.equal(await cell(2, name).textContent(), XSS_PRODUCT);
    assert.equal(await cell(3, name).textContent(), SCRIPT_PRODUCT);
    assert.equal(await cell(4, name).textContent(), 'Tab→here & "quotes"');
    assert.equal(await cell(5, name).textContent(), 'line one↵line two');
    assert.equal(await cell(7, name).textContent(), '🌵 Cactus 🌵');
    assert.equal(await page.locator('.grid img, .grid script, body img').count(), 0);
    assert.equal(await page.locator('script').count(), 1, 'only the bundle');
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.evaluate(() => document.getElementsByTagName('img').length), 0);
  });

  it('sorts on the server: header clicks cycle ascending, descending, unsorted', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    const price = columnIndex('price');
    await header('price').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted')?.getAttribute('aria-sort') === 'ascending');
    assert.deepEqual(lastPageRequest(), { type: 'requestPage', requestId: 2, offset: 0, sort: { column: 'price', direction: 'asc' } });
    const ascending = (await renderedColumn(price)).map(Number);
    assert.ok(ascending.length > 10);
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    assert.deepEqual(ascending.slice(0, 5), sortRows(dataset, { column: 'price', direction: 'asc' }).slice(0, 5).map((row) => row[price]));
    assert.equal(await header('price').locator('.sort-indicator').innerText(), '↑');

    await header('price').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted')?.getAttribute('aria-sort') === 'descending');
    assert.deepEqual(lastPageRequest()?.sort, { column: 'price', direction: 'desc' });
    const descending = (await renderedColumn(price)).map(Number);
    assert.deepEqual(descending, [...descending].sort((a, b) => b - a));

    await header('price').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted') === null && document.querySelector('.app.busy') === null);
    assert.equal(lastPageRequest()?.sort, undefined);
    assert.equal(await cell(0, 0).innerText(), '1');

    // A column name that is an injection attempt travels as data; the SQL builder quotes it (unit tests).
    await page.locator('.grid').evaluate((grid) => (grid.scrollLeft = 700));
    await header(INJECTION_COLUMN).click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted') !== null && document.querySelector('.app.busy') === null);
    assert.deepEqual(lastPageRequest()?.sort, { column: INJECTION_COLUMN, direction: 'asc' });
  });

  it('pages with next, last, first and the page box', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.ok(await page.getByRole('button', { name: 'Previous page' }).isDisabled());
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 201–400 of 10,000');
    assert.equal(lastPageRequest()?.offset, 200);
    assert.equal(await page.locator('.grid-body .row-number').first().innerText(), '201');
    assert.equal(await cell(0, 0).innerText(), '201');

    await page.getByRole('button', { name: 'Last page' }).click();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 9,801–10,000 of 10,000');
    assert.equal(lastPageRequest()?.offset, 9800);
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled());
    assert.ok(await page.getByRole('button', { name: 'Last page' }).isDisabled());

    await page.locator('.page-input').fill('7');
    await page.locator('.page-input').press('Enter');
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1,201–1,400 of 10,000');

    await page.getByRole('button', { name: 'First page' }).click();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.deepEqual(
      host.of('requestPage').map((request) => request.offset),
      [0, 200, 9800, 1200, 0],
    );
  });

  it('selects with click and shift-click and copies TSV with Ctrl+C and the button', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    await cell(3, 1).click();
    await cell(5, 3).click({ modifiers: ['Shift'] });
    assert.equal(await page.locator('.grid-body .cell.selected').count(), 9);
    assert.equal(await page.locator('.selection-text').innerText(), '9 cells selected');
    await page.keyboard.press('Control+C');
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Copied 9 cells');
    const expected = toTsv(dataset.rows.slice(3, 6).map((row) => row.slice(1, 4)));
    assert.equal(host.of('copy').at(-1)?.text, expected);
    assert.match(expected, /^"""><script>window.__pwned = 1<\/script>"\t/, 'quotes are doubled in quoted fields');
    assert.match(expected, /"Tab\there & ""quotes"""/);

    // A whole row through its number, then the toolbar button.
    await page.locator('.grid-body .row-number[data-row="0"]').click();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Copied 30 cells');
    assert.equal(host.of('copy').at(-1)?.text, toTsv([dataset.rows[0] as PreviewValue[]]));
  });

  it('moves and extends the selection with the keyboard and sorts from the header row', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    await cell(0, 0).click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowRight');
    assert.equal(await page.locator('.grid-body .cell.selected').count(), 4);
    const active = await page.locator('.grid').getAttribute('aria-activedescendant');
    assert.equal(active, 'grid-active-cell');
    assert.deepEqual(await page.locator('#grid-active-cell').evaluate((element) => [element.dataset.row, element.dataset.col]), ['2', '2']);
    await page.keyboard.press('Control+C');
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Copied 4 cells');
    assert.equal(host.of('copy').at(-1)?.text, toTsv(dataset.rows.slice(1, 3).map((row) => row.slice(1, 3))));

    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.locator('.grid').getAttribute('aria-activedescendant'), 'grid-header-2');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted') !== null && document.querySelector('.app.busy') === null);
    assert.deepEqual(lastPageRequest()?.sort, { column: 'price', direction: 'asc' });
  });

  it('charts a numeric column as SVG bars and another column as top values', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    await page.getByRole('tab', { name: 'Chart' }).click();
    await page.locator('svg.chart rect.bar').first().waitFor();
    assert.deepEqual(host.of('chart').at(-1), { type: 'chart', requestId: 2, column: 'product_id' });
    assert.equal(await page.locator('svg.chart .bar-row').count(), 10);
    assert.match(await page.locator('.chart-info').innerText(), /^Histogram · 10,000 rows · 8 ms$/);

    await page.locator('#chart-column').selectOption({ label: `name — VARCHAR (top values)` });
    await page.waitForFunction(() => document.querySelector('.chart-info')?.textContent?.startsWith('Most frequent values') === true);
    assert.equal(host.of('chart').at(-1)?.column, 'name');
    // Data in chart labels is text too.
    const labels = await page.locator('svg.chart .bar-label').allTextContents();
    assert.ok(labels.includes(XSS_PRODUCT), labels.join(', '));
    assert.equal(await page.locator('svg.chart image, svg.chart foreignObject, img').count(), 0);

    await page.locator('#chart-column').selectOption({ label: 'price — DECIMAL(10,2)' });
    await page.waitForFunction(() => document.querySelector('.chart-info')?.textContent?.startsWith('Histogram') === true);
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'preview-chart.png') });

    await page.getByRole('tab', { name: 'Data' }).click();
    assert.ok(await page.locator('.grid').isVisible());
  });

  it('keeps the page it shows when the data changed, says so, and loads the new data only on Refresh', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.match(await page.locator('.snapshot-text').innerText(), /^as of \d\d:\d\d:\d\d$/);
    assert.match((await page.locator('.snapshot-text').getAttribute('title')) ?? '', /every page shows this version/);
    host.staleNextPage = "The data changed since this preview's snapshot (10:42:13). Refresh to see the new data.";
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('.banner.changed').waitFor();
    assert.equal(await page.locator('.banner-text').innerText(), "The data changed since this preview's snapshot (10:42:13). Refresh to see the new data.");
    assert.equal(await page.locator('.rows-text').innerText(), 'Rows 1–200 of 10,000', 'the page shown stays: whole, of its snapshot');
    assert.equal(await cell(0, 0).innerText(), '1');
    assert.equal(host.of('requestPage').filter((request) => request.recount).length, 1, 'nothing reloads by itself');
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'preview-changed.png') });
    await page.locator('.banner').getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden') === true);
    assert.deepEqual(host.of('requestPage').at(-1), { type: 'requestPage', requestId: 3, offset: 0, recount: true });
    // A change noticed without a request (dbt ran, an upload) is announced the same way.
    await host.send({ type: 'dataChanged', message: 'The data changed since this snapshot (10:45:00). Refresh to see the current data.' });
    await page.locator('.banner.changed').waitFor();
  });

  /** The strip under a column's header. */
  const strip = (name: string) => header(name).locator('.profile');

  it('profiles every column under its header from the whole result, visible columns first, and opens a column\'s chart from its strip', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.equal(await page.locator('.profile').count(), 0, 'no profile until asked');
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.waitForFunction(() => document.querySelector('.timing-text')?.textContent?.includes('Profile') === true);
    const request = host.of('profile')[0];
    assert.ok(request);
    assert.deepEqual(request.columns.slice(0, 3), ['product_id', 'name', 'price'], 'the columns on screen first');
    assert.deepEqual([...request.columns].sort(), dataset.columns.map((column) => column.name).sort(), 'then every other column');
    assert.equal(await page.locator('.profile-toggle').getAttribute('aria-pressed'), 'true');
    const prices = dataset.rows.map((row) => row[columnIndex('price')] as number);
    assert.equal(await strip('price').locator('.range').innerText(), `${Math.min(...prices).toFixed(2)} – ${Math.max(...prices).toFixed(2)}`, 'the range of all 10,000 rows, not of the page');
    assert.match(await strip('price').locator('.stats').innerText(), /^no NULLs · [\d,.]+K? distinct$/);
    assert.equal(await strip('price').locator('rect').count(), 10);
    assert.equal(await strip('notes').locator('.stats').innerText(), '20% NULL · unique');
    assert.equal(await strip('is_active').locator('.range').innerText(), 'true 67% · false 33%');
    assert.equal(await strip('product_id').locator('.stats').innerText(), 'no NULLs · unique');
    const title = (await strip('notes').getAttribute('title')) ?? '';
    assert.match(title, /^notes · VARCHAR\n10,000 rows: the whole result, not the page\nNULL: 2,000 \(20%\)\nDistinct: 8,000/);
    assert.ok(Number(await strip('notes').locator('.profile-filled').evaluate((element) => parseFloat((element as HTMLElement).style.width))) === 80, 'the bar of values: 80% not NULL');
    assert.equal(await page.evaluate(() => document.querySelector('.header-cell[data-col="2"]')?.getBoundingClientRect().height), 114, 'the header grows by the strip');
    assert.match(await page.locator('.timing-text').innerText(), /Profile 1\.23 s/);
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'preview-profile.png') });

    // Data in the strips is text: the markup among the names stays text in the tooltip and the lines.
    await strip('name').hover();
    assert.equal(await page.locator('.profile img, .profile script').count(), 0);

    await strip('price').click();
    await page.locator('svg.chart rect.bar').first().waitFor();
    assert.equal(host.of('chart').at(-1)?.column, 'price');
    assert.equal(await page.getByRole('tab', { name: 'Chart' }).getAttribute('aria-selected'), 'true');
    assert.equal(host.of('requestPage').length, 1, 'no sort, no page: the strip is not the header');
    await page.getByRole('tab', { name: 'Data' }).click();
    await page.getByRole('button', { name: 'Profile' }).click();
    assert.equal(await page.locator('.profile').count(), 0, 'hidden again');
    await page.getByRole('button', { name: 'Profile' }).click();
    await strip('price').locator('rect').first().waitFor();
    assert.equal(host.of('profile').length, 1, 'shown again from what it knows: nothing computed twice');
  });

  it('shows the progress of a profile and cancels it, keeping what it computed, resuming when asked', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    let release = (): void => undefined;
    host.profileGate = new Promise<void>((resolve) => (release = resolve));
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.waitForFunction(() => document.querySelector('.phase-text')?.textContent === 'Profiling product_id (1 of 30)… 12%');
    assert.match(await strip('notes').locator('.stats').innerText(), /^20% NULL/, 'the stats of every column come first');
    assert.equal(await strip('price').locator('rect').count(), 0, 'histograms still computing');
    assert.ok(await strip('price').evaluate((element) => element.classList.contains('computing')));
    await page.locator('.toolbar').getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Profile cancelled');
    assert.equal(host.of('cancelProfile').length, 1);
    assert.equal(host.of('cancel').length, 0, 'the page shown is not touched');
    assert.ok(await page.locator('.toolbar .cancel').isHidden());
    assert.equal(await page.locator('.phase-text').innerText(), '');
    release();
    await page.waitForFunction(() => document.querySelector('.timing-text')?.textContent?.includes('Query') === true);
    assert.equal(await strip('price').locator('rect').count(), 0, 'the answer of a cancelled profile is not shown');
    assert.match(await strip('price').locator('.stats').innerText(), /distinct/, 'what was computed stays');
    // A click on a strip still waiting resumes the profile.
    host.profileGate = Promise.resolve();
    await strip('price').click();
    await strip('price').locator('rect').first().waitFor();
    assert.equal(host.of('profile').length, 2);
    assert.equal(host.of('chart').length, 0, 'resuming is not charting');
  });

  it('never shows a profile of another snapshot, and after the data changed waits for Refresh to profile the new data', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    let release = (): void => undefined;
    host.profileGate = new Promise<void>((resolve) => (release = resolve));
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.waitForFunction(() => document.querySelector('.phase-text')?.textContent?.startsWith('Profiling') === true);
    const requestId = host.of('profile')[0]?.requestId ?? -1;
    // A profile of other data (another snapshot) for the very request: ignored.
    const other = { ...host.profileOf('price'), min: 999_999 };
    await host.send({ type: 'profile', requestId, snapshot: { id: 'live-99', kind: 'live', takenAt: 0 }, profiles: [other] });
    host.staleNextProfile = "The data changed since this preview's snapshot (10:42:13). Refresh to see the new data.";
    release();
    await page.locator('.banner.changed').waitFor();
    assert.doesNotMatch(await strip('price').locator('.range').innerText(), /999/, 'nothing of the other snapshot shows');
    assert.equal(await strip('price').locator('rect').count(), 0);
    assert.equal(host.of('profile').length, 1, 'nothing is profiled again by itself');
    assert.equal(host.of('requestPage').length, 1, 'nor reloaded');
    assert.equal(await page.locator('.banner-text').innerText(), "The data changed since this preview's snapshot (10:42:13). Refresh to see the new data.");
    await page.locator('.banner').getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelector('.banner')?.hasAttribute('hidden') === true);
    await strip('price').locator('rect').first().waitFor();
    assert.equal(host.of('profile').length, 2, 'Refresh profiles the new snapshot');
    assert.equal(host.snapshot.id, 'live-2');
  });

  it('shows what a slow page is doing, with DuckDB\'s percentage, and cancels it', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    let release = (): void => undefined;
    host.pageGate = new Promise<void>((resolve) => (release = resolve));
    await header('price').click();
    const request = await page.waitForFunction(() => document.querySelector('.app.busy') !== null).then(() => lastPageRequest());
    assert.ok(request);
    await host.send({ type: 'progress', requestId: request.requestId, phase: 'Sorting 10,000,000 rows by price (once for this sort)', percentage: 42.7 });
    await page.waitForFunction(() => document.querySelector('.phase-text')?.textContent === 'Sorting 10,000,000 rows by price (once for this sort)… 42%');
    assert.equal(await page.locator('.progress').getAttribute('aria-valuenow'), '42');
    assert.ok(await page.locator('.progress').evaluate((element) => element.classList.contains('determinate')));
    await page.locator('.toolbar').getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Cancelled' && document.querySelector('.app.busy') === null);
    assert.equal(host.of('cancel').length, 1);
    assert.equal(await page.locator('.phase-text').innerText(), '');
    release();
    // The cancelled request's answer is not shown.
    await page.waitForTimeout(100);
    assert.equal(await header('price').getAttribute('aria-sort'), 'none');
  });

  it('says that dbt is rebuilding the table while the preview waits for it', async () => {
    let release = (): void => undefined;
    await open({
      beforeReady: () => {
        host.pageGate = new Promise<void>((resolve) => (release = resolve));
      },
    });
    await page.waitForFunction(() => document.querySelector('.app.busy') !== null);
    await host.send({ type: 'waiting', message: 'dbt build is running: gold.products may be rebuilt, so the preview waits until it finishes.' });
    await page.waitForFunction(() => document.querySelector('.overlay-title')?.textContent === 'Waiting for dbt…');
    assert.equal(await page.locator('.overlay-detail').innerText(), 'dbt build is running: gold.products may be rebuilt, so the preview waits until it finishes.');
    assert.ok(await page.locator('.banner.waiting').isVisible());
    await host.send({ type: 'waiting' });
    release();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    assert.ok(await page.locator('.banner').isHidden());
  });

  it('puts NULLs first with Shift+click, and shows a new source in a reused panel from scratch', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    await header('notes').click({ modifiers: ['Shift'] });
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted') !== null && document.querySelector('.app.busy') === null);
    assert.deepEqual(lastPageRequest()?.sort, { column: 'notes', direction: 'asc', nulls: 'first' });
    assert.equal(await header('notes').locator('.sort-indicator').innerText(), '∅↑');
    await header('notes').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted')?.getAttribute('aria-sort') === 'descending');
    assert.deepEqual(lastPageRequest()?.sort, { column: 'notes', direction: 'desc', nulls: 'first' }, 'the NULL placement stays');

    await page.getByRole('button', { name: 'Keep open' }).click();
    await page.waitForFunction(() => document.querySelector('.button.pin')?.getAttribute('aria-pressed') === 'true');
    assert.deepEqual(host.of('pin'), [{ type: 'pin', pinned: true }]);

    const other = { version: 1 as const, title: 'gold.orders', source: { kind: 'table' as const, schema: 'gold', name: 'orders' }, offset: 0 };
    host.dataset = productDataset(30);
    await host.send({ type: 'init', state: other, pageSize: 200, dialect: 'duckdb', description: 'gold.orders · DuckDB', pinned: false });
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–30 of 30');
    assert.deepEqual(host.of('requestPage').at(-1), { type: 'requestPage', requestId: 4, offset: 0, recount: true });
    assert.equal(await page.locator('.header-cell.sorted').count(), 0, 'no sort carried over');
    assert.equal(await page.locator('.source').innerText(), 'gold.orders · DuckDB');
    assert.equal(await page.locator('.button.pin').getAttribute('aria-pressed'), 'false');
  });

  it('shows the error state with the message, and recovers with Retry', async () => {
    await open();
    await page.locator('.grid-body .cell').first().waitFor();
    host.failNextPage = 'Catalog Error: Table with name products does not exist!\nDid you mean "gold.product"?';
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.overlay.error').waitFor();
    assert.equal(await page.locator('.overlay-title').innerText(), 'The query failed');
    assert.equal(await page.locator('.overlay-detail').textContent(), host.failNextPage ?? 'Catalog Error: Table with name products does not exist!\nDid you mean "gold.product"?');
    assert.ok(!(await page.locator('.progress').evaluate((element) => element.classList.contains('active'))), 'no spinner left behind');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('.overlay.error').waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
  });

  it('shows the empty state with the columns still in the header', async () => {
    await open({ data: { columns: productDataset(1).columns, rows: [] } });
    await page.locator('.overlay.empty').waitFor();
    assert.equal(await page.locator('.overlay-title').innerText(), 'No rows');
    assert.equal(await rowsText(), 'No rows');
    assert.ok((await page.locator('.header-cell').count()) > 3);
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled());
  });

  it('keeps only the visible part of a wide, long page in the DOM', async () => {
    const columns = Array.from({ length: 240 }, (_, i) => ({ name: `column_${i}`, type: i % 2 ? 'DOUBLE' : 'VARCHAR' }));
    const rows = Array.from({ length: 5000 }, (_, r) => columns.map((_, c) => (c % 2 ? r * c : `r${r}c${c}`)));
    await open({ data: { columns, rows }, pageSize: 5000 });
    await page.locator('.grid-body .cell').first().waitFor();
    const cellsInDom = await page.locator('.cell').count();
    assert.ok(cellsInDom < 2500, `${cellsInDom} cells in the DOM for 1,200,000 values`);

    // Scroll to the far corner, frame by frame: the last row and column appear, the DOM stays small.
    const frames = await page.locator('.grid').evaluate(async (grid) => {
      const times: number[] = [];
      for (let i = 1; i <= 30; i++) {
        const started = performance.now();
        grid.scrollTop = (grid.scrollHeight * i) / 30;
        grid.scrollLeft = (grid.scrollWidth * i) / 30;
        await new Promise(requestAnimationFrame);
        times.push(performance.now() - started);
      }
      return times;
    });
    // Wheel-like scrolling, 40 px a frame down then across: most frames re-render nothing.
    const smooth = await page.locator('.grid').evaluate(async (grid) => {
      grid.scrollTop = 0;
      grid.scrollLeft = 0;
      await new Promise(requestAnimationFrame);
      const times: number[] = [];
      for (let i = 0; i < 120; i++) {
        const started = performance.now();
        if (i < 60) grid.scrollTop += 40;
        else grid.scrollLeft += 40;
        await new Promise(requestAnimationFrame);
        times.push(performance.now() - started);
      }
      return times;
    });
    const smoothSorted = [...smooth].sort((a, b) => a - b);
    console.log(`      wheel-like frames: median ${smoothSorted[60]?.toFixed(1)} ms, 95th ${smoothSorted[114]?.toFixed(1)} ms, worst ${smoothSorted[119]?.toFixed(1)} ms`);
    await page.locator('.grid').evaluate((grid) => {
      grid.scrollTop = grid.scrollHeight;
      grid.scrollLeft = grid.scrollWidth;
    });
    await page.locator('.header-cell[data-col="239"]').waitFor();
    await page.locator('.grid-body .cell[data-row="4999"][data-col="239"]').waitFor();
    assert.ok((await page.locator('.cell').count()) < 2500);
    const sorted = [...frames].sort((a, b) => a - b);
    console.log(`      scroll frames over 5,000 × 240: median ${sorted[15]?.toFixed(1)} ms, worst ${sorted[29]?.toFixed(1)} ms`);
  });

  it('fits a narrow editor: paging and the row range stay, nothing overflows', async () => {
    await open();
    await page.setViewportSize({ width: 560, height: 500 });
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    const overflow = await page.evaluate(() =>
      ['.toolbar', '.status-bar'].map((selector) => {
        const element = document.querySelector(selector) as HTMLElement;
        return element.scrollWidth - element.clientWidth;
      }),
    );
    assert.deepEqual(overflow, [0, 0]);
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isVisible());
    assert.ok(await page.locator('.rows-text').isVisible());
  });

  it('looks like a VS Code data grid (screenshot)', async () => {
    await open();
    await page.waitForFunction(() => document.querySelector('.rows-text')?.textContent === 'Rows 1–200 of 10,000');
    await header('price').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted') !== null && document.querySelector('.app.busy') === null);
    await header('price').click();
    await page.waitForFunction(() => document.querySelector('.header-cell.sorted')?.getAttribute('aria-sort') === 'descending' && document.querySelector('.app.busy') === null);
    await cell(2, 1).click();
    await cell(4, 3).click({ modifiers: ['Shift'] });
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: join(resultsDir, 'preview.png') });
    // The theme reached the page: the grid is dark, text light.
    const colours = await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
    assert.deepEqual(colours, ['rgb(31, 31, 31)', 'rgb(204, 204, 204)']);
  });
});
