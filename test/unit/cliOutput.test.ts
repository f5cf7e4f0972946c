import { strict as assert } from 'node:assert';
import { formatCounts, formatTable, plural } from '../../src/cli/format';
import { formatDuration, ProgressBar } from '../../src/cli/progress';
import { Faults } from '../../src/pipeline/faults';

function recorder(isTTY: boolean): { stream: { isTTY: boolean; write(text: string): boolean }; lines: string[] } {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (text: string) => lines.push(text) > 0 } };
}

describe('CLI output', () => {
  it('prints a progress line every few seconds when piped, none for a short run', () => {
    let now = 0;
    const { stream, lines } = recorder(false);
    const bar = new ProgressBar(stream, 'simulating', () => now);
    for (now = 0; now <= 4_000; now += 500) bar.update(now * 10, 1_000_000);
    assert.deepEqual(lines, [], 'nothing in the first seconds');
    for (now = 4_500; now <= 16_000; now += 500) bar.update(now * 10, 1_000_000);
    assert.equal(lines.length, 3, lines.join(''));
    assert.match(lines[0] ?? '', /^simulating: 5% 50,000\/1,000,000 \(10,000\/s, 2 min left\)\n$/);
  });

  it('estimates a run that will take hours, once, before it has gone far', () => {
    let now = 0;
    const { stream, lines } = recorder(true);
    const bar = new ProgressBar(stream, 'simulating', () => now);
    for (now = 0; now <= 3_000; now += 100) bar.update(now * 10, 100_000_000);
    const notes = lines.filter((line) => line.endsWith('\n'));
    assert.equal(notes.length, 1);
    assert.match(notes[0] ?? '', /100,000,000 purchases at about 10,000\/s will take about 2 h 47 min; Ctrl-C stops it safely/);
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(12 * 60_000), '12 min');
    assert.equal(formatDuration(125 * 60_000), '2 h 05 min');
  });

  it('separates thousands everywhere and gives a money column two decimals on every line', () => {
    const table = formatTable(['product', 'units', 'revenue_usd'], [['Monstera', 2904, 223245], ['Pothos', 1200, 463813.75]]);
    assert.match(table, /Monstera\s+2,904\s+223,245\.00/);
    assert.match(table, /Pothos\s+1,200\s+463,813\.75/);
    assert.equal(plural(1, 'batch', 'batches'), '1 batch');
    assert.equal(plural(2904, 'open order'), '2,904 open orders');
    assert.equal(formatCounts('Rows', { orders: 12345 }), 'Rows        orders 12,345');
  });

  it('reads fault injection specs, and refuses a bad one', () => {
    const faults = Faults.parse('journal@2=enospc,seal');
    assert.ok(faults);
    faults.hit('journal');
    assert.throws(() => faults.hit('journal'), (error: NodeJS.ErrnoException) => error.code === 'ENOSPC');
    faults.hit('journal');
    assert.equal(Faults.parse(undefined), undefined);
    assert.throws(() => Faults.parse('journal@x'), /cannot read "journal@x"/);
  });
});
