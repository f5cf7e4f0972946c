/**
 * Whether a simulation state and a warehouse tell the same story: every batch the state has
 * published and no longer holds in its outbox must be the warehouse ledger's last one, and the
 * ledger must hold nothing beyond the state. A deleted or replaced warehouse, a dropped bronze,
 * a state restored from a backup, or one outbox serving two warehouses all break it. Pure.
 */
import { batchPosition } from '../outbox/outbox';
import type { SimulationState } from '../simulator/state';
import type { LedgerTop } from '../warehouse/warehouse';

export interface AgreementInput {
  state: Pick<SimulationState, 'batches' | 'recentBatches' | 'discarded'>;
  /** The warehouse's ledger; undefined when bronze does not exist. */
  ledger: LedgerTop | undefined;
  pending: readonly string[];
  quarantined: readonly string[];
  /** Batches still under .staging/ (a recorded one is published by the next run's recovery). */
  staged?: readonly string[];
}

export type Agreement =
  | { ok: true; loadedUpTo: number }
  | { ok: false; loadedUpTo: number; problem: string };

/** What to run when they disagree. */
export const RESET_ADVICE =
  'run `medallion init --reset` to set this simulation state and its outbox aside (nothing is deleted) and continue from what the warehouse holds';

/** Compares a state (with its outbox) with a warehouse's ledger. */
export function agreement(input: AgreementInput): Agreement {
  const { state, ledger } = input;
  const notLoaded = new Set(
    [...input.pending, ...input.quarantined, ...(input.staged ?? []), ...state.discarded].map(batchPosition).filter((position): position is number => position !== undefined),
  );
  // The last batch the state published that is no longer waiting: the warehouse must end there.
  let loadedUpTo = state.batches;
  while (loadedUpTo > 0 && notLoaded.has(loadedUpTo)) loadedUpTo -= 1;
  const fail = (problem: string): Agreement => ({ ok: false, loadedUpTo, problem });
  if (!ledger) {
    return loadedUpTo > 0 ? fail(`it has no bronze (never created, or dropped), while this simulation has loaded ${loadedUpTo} batch(es) into it`) : { ok: true, loadedUpTo };
  }
  const top = ledger.topId ?? `at position ${ledger.maxPosition}`;
  if (ledger.maxPosition > state.batches) {
    return fail(
      `its ledger holds batch ${top}, beyond this simulation's last batch (position ${state.batches}): the simulation state is older than ` +
        'the warehouse (restored from a backup, or another copy of it kept running)',
    );
  }
  if (ledger.maxPosition > loadedUpTo) {
    // A committed batch whose removal from the outbox was cut short: the next upload cleans it up.
    if (ledger.topId !== undefined && input.pending.includes(ledger.topId)) return { ok: true, loadedUpTo };
    return fail(`its ledger ends with batch ${top}, which this simulation did not load there`);
  }
  if (ledger.maxPosition < loadedUpTo) {
    const held = ledger.batches === 0 ? 'its ledger is empty' : `its ledger ends at position ${ledger.maxPosition}`;
    return fail(`${held}, but this simulation has loaded batches up to position ${loadedUpTo} into it: the warehouse was replaced, emptied or restored from an older copy`);
  }
  const mine = state.recentBatches.find((id) => batchPosition(id) === loadedUpTo);
  if (mine !== undefined && ledger.topId !== undefined && ledger.topId !== mine) {
    return fail(`its ledger's batch at position ${loadedUpTo} is ${ledger.topId}, this simulation's is ${mine}: they are two different simulations`);
  }
  return { ok: true, loadedUpTo };
}
