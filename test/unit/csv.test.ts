import { strict as assert } from 'node:assert';
import { csvCell, csvLine } from '../../src/core/csv';

describe('CSV encoding', () => {
  it('tells NULL from an empty string', () => {
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(''), '""');
  });

  it('quotes separators, quotes, newlines and edge spaces', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(' padded'), '" padded"');
    assert.equal(csvCell('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
    assert.equal(csvCell("Bird's Nest Fern"), "Bird's Nest Fern");
  });

  it('writes numbers and booleans plainly and refuses non-finite numbers', () => {
    assert.equal(csvCell(12.5), '12.5');
    assert.equal(csvCell(94605), '94605');
    assert.equal(csvCell(false), 'false');
    assert.throws(() => csvCell(Number.NaN), /cannot write/);
  });

  it('joins a line with its newline', () => {
    assert.equal(csvLine(['a', null, '', 1, true]), 'a,,"",1,true\n');
  });
});
