import { strict as assert } from 'node:assert';
import { errorLine, errorMessage, isAbortError } from '../../src/core/errors';

describe('error messages', () => {
  it('reads the message of an Error and the text of anything else thrown', () => {
    assert.equal(errorMessage(new Error('disk full')), 'disk full');
    assert.equal(errorMessage('plain string'), 'plain string');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(undefined), 'undefined');
  });

  it('keeps the first line, trimmed, for one-line places', () => {
    assert.equal(errorLine(new Error('Binder Error: no column x  \nLINE 1: select x\n        ^')), 'Binder Error: no column x');
    assert.equal(errorLine('one\ntwo'), 'one');
    assert.equal(errorLine(new Error('')), '');
  });

  it('tells an abort from a failure', () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(isAbortError(controller.signal.reason), true);
    assert.equal(isAbortError(new Error('AbortError')), false);
    assert.equal(isAbortError('AbortError'), false);
  });
});
