import { strict as assert } from 'node:assert';
import { isoDate, parseCommandLine, parseOptions, UsageError, wholeNumber, type OptionSpec } from '../../src/cli/args';

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
