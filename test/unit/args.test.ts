import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { isoDate, parseCommandLine, parseOptions, UsageError, wholeNumber, type OptionSpec } from '../../src/cli/args';
import { main } from '../../src/cli/main';

const SPECS: OptionSpec[] = [
  { name: 'purchases', type: 'string', short: 'n', description: '' },
  { name: 'upload', type: 'boolean', description: '' },
];

describe('command-line options', () => {
  it('reads long, inline and short forms', () => {
    assert.deepEqual(parseOptions(['--purchases', '10', '--upload'], SPECS, 'simulate'), { purchases: '10', upload: true });
    assert.deepEqual(parseOptions(['--purchases=10'], SPECS, 'simulate'), { purchases: '10' });
    assert.deepEqual(parseOptions(['-n', '7'], SPECS, 'simulate'), { purchases: '7' });
  });

  it('takes a negative value as the value, so it can be reported', () => {
    assert.deepEqual(parseOptions(['--purchases', '-5'], SPECS, 'simulate'), { purchases: '-5' });
    assert.throws(() => wholeNumber('-5', 'purchases', { min: 0, max: 10 }), /between 0 and 10, got -5/);
  });

  it('rejects unknown options, stray arguments, missing and repeated values', () => {
    assert.throws(() => parseOptions(['--bogus'], SPECS, 'simulate'), /unknown option --bogus/);
    assert.throws(() => parseOptions(['-x'], SPECS, 'simulate'), /unknown option -x/);
    assert.throws(() => parseOptions(['10'], SPECS, 'simulate'), /unexpected argument "10"/);
    assert.throws(() => parseOptions(['--purchases'], SPECS, 'simulate'), /needs a value/);
    assert.throws(() => parseOptions(['--purchases', '1', '--purchases', '2'], SPECS, 'simulate'), /given twice/);
    assert.throws(() => parseOptions(['--upload=yes'], SPECS, 'simulate'), /takes no value/);
  });

  it('reads a value glued to a short option, and refuses an empty or missing one', () => {
    assert.deepEqual(parseOptions(['-n7'], SPECS, 'simulate'), { purchases: '7' });
    assert.throws(() => parseOptions(['--purchases='], SPECS, 'simulate'), /--purchases needs a value \(VALUE\)/);
    assert.throws(() => parseOptions(['-n'], SPECS, 'simulate'), /--purchases needs a value/);
    assert.throws(() => parseOptions(['--bogus=1'], SPECS, 'simulate'), (error: Error) => error.message === 'unknown option --bogus (see `medallion simulate --help`)');
    assert.throws(() => parseOptions(['-x', '--purchases', '1'], SPECS, 'simulate'), /unknown option -x /);
  });

  it('takes everything after -- as bare arguments, never as options', () => {
    assert.deepEqual(parseCommandLine(['show', '--', '--upload'], SPECS, 'outbox', 2), { values: {}, args: ['show', '--upload'] });
    assert.deepEqual(parseCommandLine(['--upload', '--'], SPECS, 'outbox', 2), { values: { upload: true }, args: [] });
    assert.throws(() => parseOptions(['--', '--upload'], SPECS, 'simulate'), /unexpected argument "--upload"/);
  });

  it('says what is wrong without repeating the command, which the CLI puts first', () => {
    assert.throws(() => parseOptions(['--bogus'], SPECS, 'simulate'), (error: Error) => error.message === 'unknown option --bogus (see `medallion simulate --help`)');
  });

  it('takes as many bare arguments as a command has, no more', () => {
    assert.deepEqual(parseCommandLine(['show', '000001-0000abcd', '--upload'], SPECS, 'outbox', 2), { values: { upload: true }, args: ['show', '000001-0000abcd'] });
    assert.throws(() => parseCommandLine(['a', 'b', 'c'], SPECS, 'outbox', 2), /unexpected argument "c"/);
  });

  it('reads whole numbers with underscores and refuses anything else', () => {
    assert.equal(wholeNumber('1_000_000', 'purchases', { min: 0, max: 2_000_000 }), 1_000_000);
    assert.equal(wholeNumber(undefined, 'purchases', { min: 0, max: 10, fallback: 3 }), 3);
    for (const bad of ['1e3', '0x10', ' ', '1.0', 'ten']) {
      assert.throws(() => wholeNumber(bad, 'purchases', { min: 0, max: 10_000 }), UsageError, bad);
    }
    assert.throws(() => wholeNumber(undefined, 'purchases', { min: 0, max: 10 }), /--purchases is required/);
  });

  it('reads calendar dates and refuses impossible ones', () => {
    assert.equal(isoDate('2026-01-31', 'start'), Date.UTC(2026, 0, 31));
    assert.equal(isoDate(undefined, 'start'), undefined);
    assert.throws(() => isoDate('2026-02-30', 'start'), /a date like/);
    assert.throws(() => isoDate('31/01/2026', 'start'), /a date like/);
    assert.throws(() => isoDate('2001-01-01', 'start'), /2007 or later/);
  });
});

describe('CLI usage errors', () => {
  /** Runs the CLI in memory: its exit code, and what it wrote. */
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const stream = (lines: string[]) => ({ write: (text: string) => lines.push(text) > 0 }) as unknown as NodeJS.WritableStream;
    const code = await main(argv, { out: stream(out), err: stream(err), cwd: tmpdir(), env: {} });
    return { code, out: out.join(''), err: err.join('') };
  }

  it('exits with 2 and one line naming the command for an unknown option, a missing value, a bad number or a stray argument', async () => {
    const cases: Array<[string[], string]> = [
      [['simulate', '--frobnicate'], 'medallion simulate: error: unknown option --frobnicate (see `medallion simulate --help`)\n'],
      [['simulate', '-x'], 'medallion simulate: error: unknown option -x (see `medallion simulate --help`)\n'],
      [['simulate', '--purchases'], 'medallion simulate: error: --purchases needs a value (N)\n'],
      [['simulate', '--purchases', 'many'], 'medallion simulate: error: --purchases must be a whole number, got "many"\n'],
      [['simulate', '--purchases', '-5'], 'medallion simulate: error: --purchases must be between 0 and 1,000,000,000, got -5\n'],
      [['simulate', '--upload=yes'], 'medallion simulate: error: --upload takes no value\n'],
      [['status', 'extra'], 'medallion status: error: unexpected argument "extra" (see `medallion status --help`)\n'],
      [['status', '--', '--help'], 'medallion status: error: unexpected argument "--help" (see `medallion status --help`)\n'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      assert.deepEqual(result, { code: 2, out: '', err: message }, argv.join(' '));
    }
  });

  it('prints the help of a command on stdout and exits with 0', async () => {
    const result = await run('simulate', '--help');
    assert.equal(result.code, 0);
    assert.equal(result.err, '');
    assert.match(result.out, /-n, --purchases N +number of purchases to simulate \(required\)/);
  });
});
