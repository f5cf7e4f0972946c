import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { columnFormat, displayText, formatDuration, lastPageOffset, rowRangeText } from '../../src/webview/preview/format';
import { rangeBounds, rangeSize, rangeValues } from '../../src/webview/preview/selection';
import { createNonce, previewCsp, previewHtml } from '../../src/webview/html';
import { parseFromWebview, parsePreviewState } from '../../src/webview/protocol';

const root = join(__dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('preview webview (pure parts)', () => {
  describe('page', () => {
    it('allows only the nonce script and the extension stylesheet', () => {
      const nonce = createNonce();
      assert.match(nonce, /^[\w-]{22}$/);
      assert.notEqual(createNonce(), nonce, 'fresh per render');
      const csp = previewCsp('https://file+.vscode-resource.vscode-cdn.net', nonce);
      assert.equal(
        csp,
        `default-src 'none'; style-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-${nonce}'; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net`,
      );
      assert.doesNotMatch(csp, /unsafe/);
    });

    it('writes no data into the HTML, and escapes the URIs it does write', () => {
      const html = previewHtml({ cspSource: 'vscode-resource:', nonce: 'abc', scriptUri: 'https://x/p.js?a=1&b="2"', styleUri: 'https://x/p.css' });
      assert.match(html, /<script nonce="abc" src="https:\/\/x\/p\.js\?a=1&amp;b=&quot;2&quot;"><\/script>/);
      assert.equal((html.match(/<script/g) ?? []).length, 1);
      assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/);
      assert.match(html, /<body>\n<script/);
    });

    it('never parses HTML on the browser side', () => {
      for (const file of [...filesUnder(join(root, 'src', 'webview')), join(root, 'src', 'views', 'previewPanel.ts')]) {
        const text = readFileSync(file, 'utf8');
        assert.doesNotMatch(text, /(inner|outer)HTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('style'/, file);
      }
    });
  });

  describe('messages from the webview', () => {
    it('accepts well-formed messages', () => {
      assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
      assert.deepEqual(parseFromWebview({ type: 'requestPage', requestId: 3, offset: 200, sort: { column: 'a', direction: 'desc' }, recount: true }), {
        type: 'requestPage',
        requestId: 3,
        offset: 200,
        sort: { column: 'a', direction: 'desc' },
        recount: true,
      });
      assert.deepEqual(parseFromWebview({ type: 'copy', text: 'a\tb', cells: 2 }), { type: 'copy', text: 'a\tb', cells: 2 });
      assert.deepEqual(parseFromWebview({ type: 'chart', requestId: 1, column: 'x' }), { type: 'chart', requestId: 1, column: 'x' });
      assert.deepEqual(parseFromWebview({ type: 'export' }), { type: 'export' });
    });

    it('drops anything else', () => {
      for (const message of [
        null,
        'ready',
        { type: 'run', sql: 'drop table x' },
        { type: 'requestPage', requestId: 1, offset: -1 },
        { type: 'requestPage', requestId: 1, offset: 1.5 },
        { type: 'requestPage', requestId: 1, offset: 0, sort: { column: 'a', direction: 'asc; drop table x' } },
        { type: 'requestPage', requestId: 1, offset: 0, sort: { column: 1, direction: 'asc' } },
        { type: 'copy', text: 5, cells: 1 },
        { type: 'chart', requestId: 1 },
      ]) {
        assert.equal(parseFromWebview(message), undefined, JSON.stringify(message));
      }
    });

    it('restores only a state it recognises', () => {
      const state = { version: 1, title: 'gold.orders', source: { kind: 'table', schema: 'gold', name: 'orders' }, offset: 400, sort: { column: 'id', direction: 'asc' }, view: 'chart', chartColumn: 'id' };
      assert.deepEqual(parsePreviewState(state), state);
      const { view: _view, ...withoutView } = state;
      assert.deepEqual(parsePreviewState({ ...state, view: 'other', extra: 1 }), withoutView);
      assert.equal(parsePreviewState(undefined), undefined);
      assert.equal(parsePreviewState({ ...state, version: 2 }), undefined);
      assert.equal(parsePreviewState({ ...state, source: { kind: 'query' } }), undefined);
      assert.equal(parsePreviewState({ ...state, source: { kind: 'table', schema: 'a' } }), undefined);
      assert.equal(parsePreviewState({ ...state, offset: -5 }), undefined);
      assert.deepEqual(parsePreviewState({ version: 1, title: 'q', source: { kind: 'query', sql: 'select 1' }, offset: 0 }), {
        version: 1,
        title: 'q',
        source: { kind: 'query', sql: 'select 1' },
        offset: 0,
      });
    });
  });

  describe('formatting', () => {
    it('shows cells on one line, decimals at their scale, NULL apart', () => {
      const text = columnFormat({ name: 'n', type: 'VARCHAR' });
      const money = columnFormat({ name: 'm', type: 'DECIMAL(18,2)' });
      assert.deepEqual(money, { numeric: true, scale: 2 });
      assert.equal(displayText(12.3, money), '12.30');
      assert.equal(displayText('123456789012345678.91', money), '123456789012345678.91');
      assert.equal(displayText(null, text), 'NULL');
      assert.equal(displayText(false, text), 'false');
      assert.equal(displayText('a\r\nb\tc', text), 'a↵b→c');
      assert.equal(displayText('<b>x</b>', text), '<b>x</b>');
      assert.equal(displayText('x'.repeat(600), text).length, 501);
    });

    it('says which rows are shown and how long queries took', () => {
      assert.equal(rowRangeText(0, 200, 10_000_000), 'Rows 1–200 of 10,000,000');
      assert.equal(rowRangeText(200, 150, 'counting'), 'Rows 201–350 of counting…');
      assert.equal(rowRangeText(0, 0, 0), 'No rows');
      assert.equal(lastPageOffset(10_000, 200), 9800);
      assert.equal(lastPageOffset(10_001, 200), 10_000);
      assert.equal(lastPageOffset(0, 200), 0);
      assert.equal(lastPageOffset(undefined, 200), undefined);
      assert.equal(formatDuration(0.4), '<1 ms');
      assert.equal(formatDuration(12.4), '12 ms');
      assert.equal(formatDuration(1234), '1.23 s');
      assert.equal(formatDuration(125_000), '2 min 5 s');
    });
  });

  describe('selection', () => {
    it('takes the rectangle between anchor and focus, either way round', () => {
      const rows = [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ];
      const range = { anchor: { row: 2, col: 2 }, focus: { row: 1, col: 0 } };
      assert.deepEqual(rangeBounds(range), { top: 1, bottom: 2, left: 0, right: 2 });
      assert.equal(rangeSize(range), 6);
      assert.deepEqual(rangeValues(rows, range), [
        [4, 5, 6],
        [7, 8, 9],
      ]);
    });
  });
});
