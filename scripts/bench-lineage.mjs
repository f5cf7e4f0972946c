#!/usr/bin/env node
// `node scripts/bench-lineage.mjs`: how fast the lineage webview draws a generated dbt project of
// N models (default 1,000; test/support/syntheticProject.ts) in headless Chromium, the real bundle
// under its CSP, fed by the real LineageController: the graph built and laid out on the extension's
// side, then the time from the graph message to the frame that shows it (the webview measures it
// and posts `rendered`). Anchor, measured in the same run and the same way: Chromium laying out
// and painting as many plain absolutely positioned divs with a label each. Also the frames of
// zooming and panning zoomed in. Times nothing against a threshold (aim, issue 8: lineage of
// 1,000 nodes drawn under 1 s). Options: --models N, --runs N. Writes bench-results/lineage.json.
// The functions given to page.evaluate run in the page, with its globals:
/* global document, requestAnimationFrame, WheelEvent, KeyboardEvent */
import * as esbuild from 'esbuild';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build, root } from './lib/setup.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : args[index + 1];
};
const modelCount = Number(String(option('models', '1000')).replace(/_/g, ''));
const runs = Number(option('runs', '7'));

// The webview bundle as the extension ships it, and the extension's side as the browser tests run it.
build();
const work = mkdtempSync(join(tmpdir(), 'medallion-bench-lineage-'));
mkdirSync(join(root, 'out'), { recursive: true });
const bundle = join(root, 'out', 'bench-lineage.cjs');
const entry = join(work, 'entry.ts');
writeFileSync(
  entry,
  [
    `export { buildProjectIndex } from ${JSON.stringify(join(root, 'src/authoring/projectIndex'))};`,
    `export { projectLineageSource } from ${JSON.stringify(join(root, 'src/views/lineageSource'))};`,
    `export { syntheticProject } from ${JSON.stringify(join(root, 'test/support/syntheticProject'))};`,
    `export { launchChromium, startServer } from ${JSON.stringify(join(root, 'test/browser/harness'))};`,
    `export { LineageHost, recordingSource } from ${JSON.stringify(join(root, 'test/browser/lineageHost'))};`,
  ].join('\n'),
);
await esbuild.build({
  absWorkingDir: root,
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  external: ['@duckdb/node-api', 'playwright-core'],
  // The harness finds dist/ and media/ from its own folder.
  define: { __dirname: JSON.stringify(join(root, 'test', 'browser')) },
  logLevel: 'warning',
});
const core = require(bundle);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const ms = (value) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const line = (label, ours, anchor) => console.log(`${label.padEnd(50)} ${ours.padEnd(34)} ${anchor ?? ''}`);
const figures = { models: modelCount, runs };

const project = core.syntheticProject({ models: modelCount });
const index = core.buildProjectIndex({ manifest: project.manifest });
const { server, origin } = await core.startServer();
const browser = await core.launchChromium();
const viewport = { width: 1400, height: 900 };

/** One webview with a fresh page: the graph sent, timed on both sides. */
async function drawOnce(saved) {
  const context = await browser.newContext({ viewport, colorScheme: 'dark' });
  const page = await context.newPage();
  const source = core.recordingSource(core.projectLineageSource({ index: () => index, parser: () => Promise.reject(new Error('no parser needed')) }));
  const host = new core.LineageHost(page, source, saved ? { focus: saved.focus } : {});
  await host.install();
  if (saved) await page.addInitScript(`window.__state = ${JSON.stringify(saved)};`);
  const shown = host.nextRendered();
  await page.goto(`${origin}/lineage.html`);
  const { graph, ms: drawMs } = await shown;
  // From `ready` arriving: the graph posted (built, focused, laid out), then on screen.
  const readyAt = host.timeOf(host.received('ready')[0]);
  const postedAt = host.timeOf(graph);
  const shownAt = host.timeOf(host.received('rendered').at(-1));
  const dom = await page.evaluate(() => [document.querySelectorAll('.node').length, document.querySelectorAll('.edge').length, document.querySelectorAll('.node text').length]);
  return { context, page, host, graph, drawMs, hostMs: postedAt - readyAt, totalMs: shownAt - readyAt, dom };
}

/** The anchor: as many plain divs with a label, laid out and painted, timed the same way. */
async function plainDivs(count) {
  const context = await browser.newContext({ viewport, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto('about:blank');
  const elapsed = await page.evaluate(
    (n) =>
      new Promise((resolve) => {
        const started = performance.now();
        const root = document.createElement('div');
        root.style.position = 'relative';
        for (let i = 0; i < n; i++) {
          const box = document.createElement('div');
          box.style.cssText = `position:absolute;left:${(i % 12) * 264}px;top:${Math.floor(i / 12) * 64}px;width:224px;height:50px;border:1px solid #555;font:13px sans-serif`;
          box.textContent = `model_${i}`;
          root.append(box);
        }
        document.body.append(root);
        void root.offsetHeight;
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
      }),
    count,
  );
  await context.close();
  return elapsed;
}

console.log(`Lineage webview on a generated project of ${modelCount.toLocaleString('en-US')} models (Chromium headless, ${viewport.width}×${viewport.height}, ${process.platform}, Node ${process.version})\n`);
line('', 'ours', 'anchor (same run)');

// 1. The whole project, fitted: every box drawn (as plain shapes at that scale).
const whole = { draw: [], host: [], total: [], anchor: [] };
let shape;
for (let run = 0; run < runs; run++) {
  const result = await drawOnce();
  whole.draw.push(result.drawMs);
  whole.host.push(result.hostMs);
  whole.total.push(result.totalMs);
  shape = { nodes: result.graph.nodes.length, edges: result.graph.edges.length, dom: result.dom, messageKiB: JSON.stringify(result.graph).length / 1024 };
  await result.context.close();
  whole.anchor.push(await plainDivs(result.graph.nodes.length));
}
figures.nodes = shape.nodes;
figures.edges = shape.edges;
figures.graphMessageKiB = Math.round(shape.messageKiB);
figures.wholeDrawMs = { median: median(whole.draw), first: whole.draw[0] };
figures.wholeHostMs = median(whole.host);
figures.wholeTotalMs = median(whole.total);
figures.plainDivsMs = { median: median(whole.anchor), first: whole.anchor[0] };
console.log(`${shape.nodes.toLocaleString('en-US')} nodes, ${shape.edges.toLocaleString('en-US')} edges; graph message ${Math.round(shape.messageKiB)} KiB; fitted whole: ${shape.dom[0]} boxes, ${shape.dom[1]} edges in the DOM\n`);
line('graph message → on screen, whole project', `${ms(median(whole.draw))} (first ${ms(whole.draw[0])})`, `${shape.nodes} plain divs: ${ms(median(whole.anchor))} (first ${ms(whole.anchor[0])})`);
line('ready → graph built, laid out, posted (host)', ms(median(whole.host)));
line('ready → graph on screen (round trip)', ms(median(whole.total)));

// 2. Zoomed in (natural size) at the top: the boxes on screen with their text, culled.
const detail = { draw: [] };
let detailDom;
const zoomFrames = [];
const panFrames = [];
for (let run = 0; run < Math.max(3, Math.ceil(runs / 2)); run++) {
  const result = await drawOnce({ version: 1, follow: false, viewport: { x: 20, y: 40, k: 1 } });
  detail.draw.push(result.drawMs);
  detailDom = result.dom;
  if (run === 0) {
    // Frames of zooming out and in about the centre, then of panning with the keyboard, each to the next paint.
    const frames = await result.page.evaluate(async () => {
      const graph = document.querySelector('.graph');
      const box = graph.getBoundingClientRect();
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      const zoom = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        graph.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 20 ? 60 : -60, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true, cancelable: true }));
        await frame();
        zoom.push(performance.now() - started);
      }
      const pan = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        graph.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', shiftKey: true, bubbles: true, cancelable: true }));
        await frame();
        pan.push(performance.now() - started);
      }
      return { zoom, pan };
    });
    zoomFrames.push(...frames.zoom);
    panFrames.push(...frames.pan);
  }
  await result.context.close();
}
figures.detailDrawMs = { median: median(detail.draw), first: detail.draw[0] };
figures.detailDom = { boxes: detailDom[0], edges: detailDom[1], texts: detailDom[2] };
figures.zoomFrameMs = { median: median(zoomFrames), p95: percentile(zoomFrames, 0.95) };
figures.panFrameMs = { median: median(panFrames), p95: percentile(panFrames, 0.95) };
line('graph message → on screen, zoomed in (culled)', `${ms(median(detail.draw))} (${detailDom[0]} boxes in the DOM)`);
line('a frame of wheel zoom, to the next paint', `${ms(median(zoomFrames))} (p95 ${ms(percentile(zoomFrames, 0.95))})`);
line('a frame of panning zoomed in, to the next paint', `${ms(median(panFrames))} (p95 ${ms(percentile(panFrames, 0.95))})`);

await browser.close();
await new Promise((resolve) => server.close(resolve));
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'lineage.json'), JSON.stringify({ date: new Date().toISOString(), figures }, null, 2) + '\n');
console.log('\nFigures written to bench-results/lineage.json');
