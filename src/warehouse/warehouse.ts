/**
 * The small interface every warehouse implements (DuckDB now, Snowflake next): create bronze,
 * load a pending batch exactly once, and answer the few questions the tools ask of bronze.
 */
import type { BronzeTableName } from '../core/bronze';
import type { PendingBatch } from '../outbox/outbox';
import type { WarehouseSnapshot } from '../simulator/adopt';
import { errorMessage } from '../core/errors';

export type UploadOutcome =
  | { status: 'loaded'; rows: Record<BronzeTableName, number> }
  /** The ledger already holds this batch: nothing was added. */
  | { status: 'already-loaded' };

/**
 * Named points of an upload, so tests can crash a loader exactly there.
 * `put:<table>`: a file reached the warehouse's stage (Snowflake), before the transaction.
 */
export type UploadStep = 'begin' | `put:${BronzeTableName}` | `table:${BronzeTableName}` | 'ledger' | 'commit' | 'committed';

export interface UploadHooks {
  step?(step: UploadStep): void;
}

/** The batch ledger at a glance: how many batches, and the one furthest in the stream. */
export interface LedgerTop {
  batches: number;
  /** Highest position among the batch ids (0 when none has one). */
  maxPosition: number;
  /** The id at that position. */
  topId: string | undefined;
}

export interface Warehouse {
  readonly kind: 'duckdb' | 'snowflake';
  /** Where it is, for messages: a file path or an account and database. */
  readonly location: string;
  /** Creates the bronze schema, its tables and the batch ledger where missing; checks existing ones (only `init`). */
  ensureBronze(): Promise<void>;
  /** Checks that bronze exists and matches the contract, creating nothing: a missing bronze is a BronzeMissingError. */
  checkBronze(): Promise<void>;
  /** True when bronze exists with every contract table. */
  hasBronze(): Promise<boolean>;
  /**
   * Loads one batch in one transaction together with its ledger row. A batch whose id the ledger
   * holds adds nothing; one the ledger holds with other contents, or one behind a batch the
   * ledger already holds further in the stream, is a BatchConflictError and adds nothing.
   */
  uploadBatch(batch: PendingBatch, hooks?: UploadHooks): Promise<UploadOutcome>;
  /** The ledger's top (no ledger yet: zero batches). */
  ledgerTop(): Promise<LedgerTop>;
  /** The ledger row of a batch, or undefined. */
  ledgerEntry(batchId: string): Promise<{ purchases: number } | undefined>;
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

/** DuckDB's message when another process (dbt, an editor) holds the file. */
export const DUCKDB_LOCK_MESSAGE = /Could not set lock on file|Conflicting lock is held/i;

/** True for an error saying another process holds the warehouse file. */
export const isLockConflict = (error: unknown): boolean =>
  error instanceof WarehouseLockedError || DUCKDB_LOCK_MESSAGE.test(errorMessage(error));
/** A warehouse that does not exist yet. */
export class WarehouseMissingError extends Error {}
/** Bronze exists but does not match the contract. */
export class BronzeContractError extends Error {}
/** Bronze (or its ledger) is not there: never created, or dropped. */
export class BronzeMissingError extends Error {}
/** A batch the ledger cannot take: it holds it with other contents, or holds a later batch already. */
export class BatchConflictError extends Error {}
/** A batch whose files the warehouse refused (a value it cannot read, a row count that differs): nothing of it was loaded. */
export class BatchRejectedError extends Error {
  constructor(
    readonly batchId: string,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`outbox batch ${batchId}, file ${file}: ${reason}`);
  }
}

/**
 * Why the ledger refuses a batch, or undefined when it may be loaded: the two checks every
 * warehouse runs inside the upload's transaction.
 */
export function ledgerConflict(
  batch: { id: string; position: number | undefined; purchases: number },
  existing: { purchases: number } | undefined,
  top: LedgerTop,
): string | undefined {
  if (existing) {
    return existing.purchases === batch.purchases
      ? undefined
      : `the warehouse's ledger holds batch ${batch.id} with ${existing.purchases} purchases, this one has ${batch.purchases}: they are two different batches with the same random stream`;
  }
  if (batch.position !== undefined && top.maxPosition >= batch.position) {
    return `the warehouse's ledger already holds batch ${top.topId ?? top.maxPosition}, at or after this batch's position ${batch.position}: the batch is out of step with the warehouse`;
  }
  return undefined;
}
