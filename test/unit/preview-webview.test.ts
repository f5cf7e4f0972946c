import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { columnFormat, compactCount, displayText, formatDuration, lastPageOffset, profileText, rowRangeText, shareText } from '../../src/webview/preview/format';
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
      assert.deepEqual(parseFromWebview({ type: 'profile', requestId: 4, columns: ['a', 'we"ird'], extra: 1 }), { type: 'profile', requestId: 4, columns: ['a', 'we"ird'] });
      assert.deepEqual(parseFromWebview({ type: 'cancelProfile' }), { type: 'cancelProfile' });
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
        { type: 'profile', requestId: 1 },
        { type: 'profile', requestId: 1, columns: 'a' },
        { type: 'profile', requestId: 1, columns: ['a', 2] },
        { type: 'profile', requestId: 1, columns: Array.from({ length: 10_001 }, () => 'a') },
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

    it('writes shares and counts that fit under a header, never 0% or 100% for what is not', () => {
      assert.deepEqual(
        [[0, 10], [1, 100_000], [1, 300], [25, 100], [995, 1000], [999_999, 1_000_000], [10, 10], [3, 0]].map(([part, whole]) => shareText(part as number, whole as number)),
        ['0%', '<0.1%', '0.3%', '25%', '99.5%', '>99.9%', '100%', '0%'],
      );
      assert.deepEqual([987, 9_999, 10_000, 96_408, 999_499, 9_008_951, 123_456_789, 1_234_567_890].map(compactCount), ['987', '9,999', '10.0K', '96.4K', '999K', '9.0M', '123M', '1.2B']);
    });

    it('says what a profile knows, as the grid writes its values', () => {
      const base = { rows: 1000, nulls: 0, distinctApprox: false };
      const price = profileText({ ...base, column: 'price', type: 'DECIMAL(10,2)', kind: 'number', nulls: 31, distinct: 96_408, distinctApprox: true, min: 3, max: 122.9 }, columnFormat({ name: 'price', type: 'DECIMAL(10,2)' }));
      assert.equal(price.range, '3.00 – 122.90');
      assert.equal(price.stats, '3.1% NULL · ≈96.4K distinct');
      assert.match(price.title, /^price · DECIMAL\(10,2\)\n1,000 rows: the whole result, not the page\nNULL: 31 \(3\.1%\)\nDistinct: ≈96,408 \(estimated\)\nMin: 3\.00\nMax: 122\.90\nHistogram: computing…$/);
      const text = columnFormat({ name: 's', type: 'VARCHAR' });
      const status = profileText(
        { ...base, column: 's', type: 'VARCHAR', kind: 'text', nulls: 100, distinct: 3, empty: 50, histogram: { kind: 'top', column: 's', bars: [{ label: 'shipped', count: 600 }, { label: '', count: 50 }] } },
        text,
      );
      assert.equal(status.range, 'shipped · 60%');
      assert.equal(status.stats, '10% NULL · 3 distinct · 5.0% empty');
      assert.match(status.title, /Most frequent:\n {2}shipped — 600 \(60%\)\n {3}— 50 \(5\.0%\)\n {2}other values — 250 \(25%\)$/);
      assert.equal(profileText({ ...base, column: 'id', type: 'UUID', kind: 'text', distinct: 1000, histogram: { kind: 'top', column: 'id', bars: [] } }, text).stats, 'no NULLs · unique');
      assert.equal(profileText({ ...base, column: 'x', type: 'DOUBLE', kind: 'number', nulls: 1000, distinct: 0 }, text).stats, 'all NULL');
      assert.equal(profileText({ ...base, rows: 0, column: 'x', type: 'DOUBLE', kind: 'number', distinct: 0 }, text).stats, 'no rows');
      assert.equal(profileText({ ...base, column: 'x', type: 'DOUBLE', kind: 'number', distinct: 5, nan: 3, infinite: 2, min: 1, max: 1 }, text).stats, 'no NULLs · 5 distinct · 3 NaN · 2 ∞');
      const flag = profileText({ ...base, column: 'f', type: 'BOOLEAN', kind: 'boolean', distinct: 2, histogram: { kind: 'top', column: 'f', bars: [{ label: 'true', count: 667 }, { label: 'false', count: 333 }] } }, text);
      assert.equal(flag.range, 'true 67% · false 33%');
      assert.equal(flag.label, 'f: true 67% · false 33%; no NULLs, 2 distinct');
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
