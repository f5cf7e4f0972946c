/**
 * The simulation side of the extension, bundled on its own (dist/pipeline.js) and loaded on
 * first use: it carries faker, which activation must not pay for.
 */
export { initWarehouse, simulate, uploadPending, describeSqueeze, CancelledError, DEFAULT_HISTORY_PURCHASES } from './operations';
export { generatorThreads } from './generators';
export { SimulationStore } from '../outbox/store';
export { bronzeCreation, bronzeWriteRefusal } from './bronzeGuard';
