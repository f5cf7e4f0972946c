/**
 * Never write into a warehouse unasked: the plant shop's bronze (eight tables, a ledger and a
 * history of purchases) goes only where it belongs. Pure: the shells gather the facts (does the
 * file exist, does it hold the bronze contract, does the dbt project read it) and ask the user.
 */
import { BRONZE_SCHEMA, BRONZE_TABLE_NAMES, LEDGER_TABLE } from '../core/bronze';
import { DEFAULT_HISTORY_PURCHASES } from './operations';

export interface BronzeWriteFacts {
  /** The warehouse as the user knows it (a file path, or Snowflake's account and database). */
  label: string;
  /** False for a DuckDB file not created yet. */
  exists: boolean;
  /** The warehouse holds the contract's bronze tables and ledger. */
  hasBronze: boolean;
  /** The dbt project reads the plant shop's bronze (it sets `vars.bronze_schema`, as dbt-sample does). */
  projectReadsBronze: boolean;
  /** The user named this warehouse for the shop (the CLI's --warehouse, the separate file the editor offers). */
  namedForTheShop: boolean;
}

/** What creating bronze writes, in words the confirmation and the refusal both use. */
export function bronzeCreation(label: string): string {
  return (
    `schema ${BRONZE_SCHEMA} with the plant shop's ${BRONZE_TABLE_NAMES.length} tables (${BRONZE_TABLE_NAMES.join(', ')}), ` +
    `a ledger (${LEDGER_TABLE}) and a history of ${DEFAULT_HISTORY_PURCHASES.toLocaleString('en-US')} purchases, in ${label}`
  );
}

/**
 * Why writing the plant shop into this warehouse needs the user's explicit yes, or undefined
 * when it may go ahead: bronze is there already, the project is built on it, or the user named
 * a new file for it.
 */
export function bronzeWriteRefusal(facts: BronzeWriteFacts): string | undefined {
  if (facts.hasBronze) return undefined;
  if (facts.projectReadsBronze) return undefined;
  if (!facts.exists && facts.namedForTheShop) return undefined;
  const where = facts.exists ? `${facts.label} has no bronze of the plant shop` : `${facts.label} is the dbt project's warehouse (not created yet), not the plant shop's`;
  return `${where}, and the dbt project does not read it: simulating would create ${bronzeCreation(facts.label)}`;
}
