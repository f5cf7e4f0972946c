/**
 * The small interface every warehouse implements (DuckDB now, Snowflake next): create bronze,
 * load a pending batch exactly once, and answer the few questions the tools ask of bronze.
 */
import type { BronzeTableName } from '../core/bronze';
import type { PendingBatch } from '../outbox/outbox';
import type { WarehouseSnapshot } from '../simulator/adopt';

export type UploadOutcome =
  | { status: 'loaded'; rows: Record<BronzeTableName, number> }
  /** The ledger already holds this batch: nothing was added. */
  | { status: 'already-loaded' };

/** Named points of an upload, so tests can crash a loader exactly there. */
/** `put:<table>`: a file reached the warehouse's stage (Snowflake), before the transaction. */
export type UploadStep = 'begin' | `put:${BronzeTableName}` | `table:${BronzeTableName}` | 'ledger' | 'commit' | 'committed';

export interface UploadHooks {
  step?(step: UploadStep): void;
}

export interface Warehouse {
  readonly kind: 'duckdb' | 'snowflake';
  /** Where it is, for messages: a file path or an account and database. */
  readonly location: string;
  /** Creates the bronze schema, its tables and the batch ledger where missing; checks existing ones. */
  ensureBronze(): Promise<void>;
  /** True when bronze exists with every contract table. */
  hasBronze(): Promise<boolean>;
  /** Loads one batch in one transaction together with its ledger row. */
  uploadBatch(batch: PendingBatch, hooks?: UploadHooks): Promise<UploadOutcome>;
  /** Row count of every bronze table. */
  bronzeRowCounts(): Promise<Record<BronzeTableName, number>>;
  /** Number of batches in the ledger. */
  loadedBatchCount(): Promise<number>;
  /** What the simulator needs to continue data it did not generate (undefined when bronze has no products). */
  readSnapshot(maxCustomers: number): Promise<WarehouseSnapshot | undefined>;
  close(): Promise<void>;
}

/** A warehouse file or account that another process holds. */
export class WarehouseLockedError extends Error {}
/** A warehouse that does not exist yet. */
export class WarehouseMissingError extends Error {}
/** Bronze exists but does not match the contract. */
export class BronzeContractError extends Error {}
