/** Simulation states in tests: copies, and a plain form to compare (open orders as the tuples they hold, in order). */
import { fromTuple } from '../../src/simulator/orders';
import { openOrdersOf, type SimulationState } from '../../src/simulator/state';

/** A deep copy (the open-order store rebuilt from its orders). */
export function cloneState(state: SimulationState): SimulationState {
  const { openOrders, ...rest } = state;
  return { ...structuredClone(rest), openOrders: openOrdersOf([...openOrders.tuples()].map(fromTuple)) };
}

/** The state as plain data: what it holds, not how its buffers are laid out. */
export function comparable(state: SimulationState | undefined): unknown {
  if (!state) return state;
  const { openOrders, ...rest } = state;
  return { ...rest, openOrders: [...openOrders.tuples()] };
}
