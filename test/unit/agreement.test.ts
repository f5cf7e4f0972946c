import { strict as assert } from 'node:assert';
import { agreement, type AgreementInput } from '../../src/pipeline/agreement';

const id = (position: number, hash = 'aaaaaaaa'): string => `${String(position).padStart(6, '0')}-${hash}`;
const state = (batches: number, recent = Array.from({ length: batches }, (_, i) => id(i + 1)), discarded: string[] = []) => ({ batches, recentBatches: recent, discarded });
const ledger = (top: number, hash = 'aaaaaaaa') => ({ batches: top, maxPosition: top, topId: top > 0 ? id(top, hash) : undefined });
const check = (input: Partial<AgreementInput> & Pick<AgreementInput, 'state'>) => agreement({ ledger: ledger(0), pending: [], quarantined: [], ...input });

describe('state and warehouse agreement', () => {
  it('agrees when the ledger ends just before the pending batches', () => {
    assert.deepEqual(check({ state: state(5), ledger: ledger(3), pending: [id(4), id(5)] }), { ok: true, loadedUpTo: 3 });
    assert.deepEqual(check({ state: state(5), ledger: ledger(5) }), { ok: true, loadedUpTo: 5 });
    assert.deepEqual(check({ state: state(0), ledger: ledger(0) }), { ok: true, loadedUpTo: 0 });
  });

  it('counts quarantined, discarded and staged batches as not loaded', () => {
    assert.equal(check({ state: state(6, undefined, [id(6)]), ledger: ledger(3), pending: [id(5)], quarantined: [id(4)] }).ok, true);
    assert.equal(check({ state: state(4), ledger: ledger(3), staged: [id(4)] }).ok, true);
  });

  it('takes a committed batch still in the outbox (its removal cut short) for what it is', () => {
    assert.equal(check({ state: state(5), ledger: ledger(4), pending: [id(4), id(5)] }).ok, true);
    const other = check({ state: state(5), ledger: ledger(4, 'bbbbbbbb'), pending: [id(4), id(5)] });
    assert.equal(other.ok, false);
  });

  it('says the warehouse is behind: deleted, replaced, emptied, or its bronze dropped', () => {
    const empty = check({ state: state(3), ledger: ledger(0) });
    assert.ok(!empty.ok && /its ledger is empty, but this simulation has loaded batches up to position 3/.test(empty.problem));
    const older = check({ state: state(9), ledger: ledger(4) });
    assert.ok(!older.ok && /ledger ends at position 4/.test(older.problem));
    const dropped = check({ state: state(2), ledger: undefined });
    assert.ok(!dropped.ok && /no bronze \(never created, or dropped\), while this simulation has loaded 2 batch/.test(dropped.problem));
    assert.equal(check({ state: state(1), ledger: undefined, pending: [id(1)] }).ok, true, 'nothing loaded yet: nothing to disagree about');
  });

  it('says the state is behind: restored from a backup, or another copy kept running', () => {
    const behind = check({ state: state(3), ledger: ledger(5) });
    assert.ok(!behind.ok && /beyond this simulation's last batch \(position 3\)/.test(behind.problem));
  });

  it('tells two simulations apart by the id at the same position', () => {
    const twins = check({ state: state(4), ledger: ledger(4, 'cccccccc') });
    assert.ok(!twins.ok && /two different simulations/.test(twins.problem));
    // Older than the ids the state remembers: the position is all there is to compare.
    assert.equal(check({ state: state(4, []), ledger: ledger(4, 'cccccccc') }).ok, true);
  });
});
