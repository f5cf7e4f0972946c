import { strict as assert } from 'node:assert';
import { bronzeWriteRefusal, type BronzeWriteFacts } from '../../src/pipeline/bronzeGuard';

describe('never writing the plant shop unasked', () => {
  const facts = (over: Partial<BronzeWriteFacts>): BronzeWriteFacts => ({
    label: '/p/jaffle.duckdb',
    exists: true,
    hasBronze: false,
    projectReadsBronze: false,
    namedForTheShop: false,
    ...over,
  });

  it('goes ahead only where bronze is, where the project reads it, or in a new file named for the shop', () => {
    for (const exists of [true, false]) {
      for (const hasBronze of exists ? [true, false] : [false]) {
        for (const projectReadsBronze of [true, false]) {
          for (const namedForTheShop of [true, false]) {
            const refusal = bronzeWriteRefusal(facts({ exists, hasBronze, projectReadsBronze, namedForTheShop }));
            const allowed = hasBronze || projectReadsBronze || (!exists && namedForTheShop);
            assert.equal(refusal === undefined, allowed, JSON.stringify({ exists, hasBronze, projectReadsBronze, namedForTheShop }));
            if (refusal) {
              assert.ok(refusal.includes('/p/jaffle.duckdb'), 'names the file');
              assert.match(refusal, /schema bronze with the plant shop's 8 tables \(addresses, .*\), a ledger \(_medallion_batches\) and a history of 5,000 purchases/);
            }
          }
        }
      }
    }
  });
});
