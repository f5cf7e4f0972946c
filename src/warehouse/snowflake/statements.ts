/**
 * Every statement Medallion sends to Snowflake, as pure functions: the bronze DDL, the upload of
 * a batch (PUT into each table's stage, then COPY INTO ... PURGE = TRUE for all tables and the
 * ledger row in one transaction), the catalog and the ledger queries. Unit tests pin them.
 *
 * Names: the bronze contract's lower-case names are written as dbt writes unquoted names on
 * Snowflake, upper case (`"BRONZE"."ORDERS"."ORDER_ID"`), always quoted so that no name is ever
 * read as a keyword.
 */
import { BRONZE_TABLE_NAMES, BRONZE_TABLES, LEDGER_TABLE, type BronzeTableName } from '../../core/bronze';
import type { BatchManifest } from '../../outbox/outbox';
import { quoteIdent, quoteString as quoteAnyString, sqlType } from '../sql';
import type { SnowflakeSettings } from './settings';

/** A Snowflake string literal (backslashes doubled). */
export const quoteString = (text: string): string => quoteAnyString(text, 'snowflake');

/** A contract name (table or column) as Snowflake stores it. */
export const contractName = (name: string): string => name.toUpperCase();

/** `"DB"."SCHEMA"."TABLE"` from Snowflake-cased parts. */
export const sfQualified = (...parts: string[]): string => parts.map(quoteIdent).join('.');

/** A bronze table (or the ledger) of these settings. */
export const bronzeTable = (settings: SnowflakeSettings, table: BronzeTableName | typeof LEDGER_TABLE): string =>
  sfQualified(settings.database, settings.schemas.bronze, contractName(table));

/**
 * The table stage of a bronze table: `@"DB"."BRONZE".%ORDERS`. The table part is the contract's
 * name, a plain identifier ([A-Z_]), so it needs no quotes (and some Snowflake-protocol peers
 * accept none there).
 */
export const tableStage = (settings: SnowflakeSettings, table: BronzeTableName): string => {
  const name = contractName(table);
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`bronze table ${table} is not a plain identifier`);
  return `@${sfQualified(settings.database, settings.schemas.bronze)}.%${name}`;
};

export function createSchemaSql(settings: SnowflakeSettings): string {
  return `create schema if not exists ${sfQualified(settings.database, settings.schemas.bronze)}`;
}

/** `CREATE TABLE IF NOT EXISTS` of a bronze table with the contract's Snowflake types. */
export function createTableSql(settings: SnowflakeSettings, table: BronzeTableName): string {
  const columns = BRONZE_TABLES[table].columns.map((column) => `${quoteIdent(contractName(column.name))} ${sqlType('snowflake', column.type)}`);
  return `create table if not exists ${bronzeTable(settings, table)} (${columns.join(', ')})`;
}

/** The batch ledger: one row per loaded batch, written in the transaction of its COPYs. */
export function createLedgerSql(settings: SnowflakeSettings): string {
  const tz = sqlType('snowflake', 'timestamp_tz');
  const columns = [
    `"BATCH_ID" VARCHAR NOT NULL PRIMARY KEY`,
    `"LOADED_AT" ${tz}`,
    `"SYNCED_AT" ${tz}`,
    `"PURCHASES" ${sqlType('snowflake', 'number')}`,
    `"ROW_COUNTS" VARCHAR`,
  ];
  return `create table if not exists ${bronzeTable(settings, LEDGER_TABLE)} (${columns.join(', ')})`;
}

/** Columns of the bronze schema as INFORMATION_SCHEMA has them (checks the contract). */
export function bronzeColumnsSql(settings: SnowflakeSettings): string {
  return (
    `select table_name, column_name, data_type from ${sfQualified(settings.database)}.information_schema.columns ` +
    `where table_schema = ${quoteString(settings.schemas.bronze)} order by table_name, ordinal_position`
  );
}

/** The INFORMATION_SCHEMA data type of each contract type (NUMBER(38,0) is `NUMBER`, FLOAT is `FLOAT`). */
export const INFORMATION_SCHEMA_TYPES: Record<string, readonly string[]> = {
  VARCHAR: ['TEXT', 'VARCHAR'],
  'NUMBER(38,0)': ['NUMBER', 'DECIMAL', 'BIGINT', 'INTEGER'],
  FLOAT: ['FLOAT', 'DOUBLE', 'REAL'],
  BOOLEAN: ['BOOLEAN'],
  DATE: ['DATE'],
  TIMESTAMP_TZ: ['TIMESTAMP_TZ', 'TIMESTAMP WITH TIME ZONE'],
  TIMESTAMP_NTZ: ['TIMESTAMP_NTZ', 'TIMESTAMP', 'TIMESTAMP WITHOUT TIME ZONE'],
};

/**
 * The CSV of the outbox (see core/csv): header row, `,`, `"` quoting where needed, an unquoted
 * empty field is NULL and `""` an empty string. No NULL markers (`\N` is text) and no escape
 * character outside quotes (a backslash is text; Snowflake's default would eat it). Files are
 * gzip-compressed before PUT. Everything else is Snowflake's default and stays unsaid: records end
 * at `\n`, no ESCAPE inside quotes, UTF-8, a row with too many or too few fields fails the load
 * (ERROR_ON_COLUMN_COUNT_MISMATCH), dates and timestamps as ISO text (AUTO detection).
 */
export const FILE_FORMAT =
  "(TYPE = CSV FIELD_DELIMITER = ',' SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' " +
  'ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () COMPRESSION = GZIP)';

/**
 * The staged file of a table in one upload attempt of a batch. Each attempt has its own name: a
 * file an abandoned attempt may have loaded inside a transaction that never committed is never
 * the one a later attempt loads, so no load needs FORCE and load metadata never has to guess.
 */
export const stagedFileName = (batchId: string, table: BronzeTableName, attempt: string): string => `${batchId}_${table}_${attempt}.csv.gz`;

/** `file://` URL of a local path as PUT wants it (forward slashes, quoted). */
export function fileUrl(path: string): string {
  const forward = path.replace(/\\/g, '/');
  return quoteString(`file://${forward.startsWith('/') ? '' : '/'}${forward}`);
}

/**
 * Uploads one compressed file into a table's stage. OVERWRITE: a retry replaces a file a failed
 * try left behind (same name, same bytes); the file is already gzip, so nothing is re-compressed.
 */
export function putSql(settings: SnowflakeSettings, table: BronzeTableName, localPath: string): string {
  return `put ${fileUrl(localPath)} ${tableStage(settings, table)} auto_compress = false source_compression = gzip overwrite = true parallel = 4`;
}

/**
 * Loads exactly one staged file into its table, columns in contract order. ON_ERROR =
 * ABORT_STATEMENT: one bad row fails the statement (and the transaction), never a partial load.
 * PURGE removes the file once loaded. Never FORCE: a file an earlier attempt may have loaded is
 * never loaded again (each attempt stages files of its own, see stagedFileName).
 */
export function copySql(settings: SnowflakeSettings, table: BronzeTableName, fileName: string): string {
  const columns = BRONZE_TABLES[table].columns.map((column) => quoteIdent(contractName(column.name))).join(', ');
  return (
    `copy into ${bronzeTable(settings, table)} (${columns}) from ${tableStage(settings, table)} ` +
    `files = (${quoteString(fileName)}) file_format = ${FILE_FORMAT} on_error = abort_statement purge = true`
  );
}

/** Removes the files earlier attempts of a batch left in a table's stage (never loaded: their transactions never committed). */
export function removeBatchFilesSql(settings: SnowflakeSettings, table: BronzeTableName, batchId: string): string {
  if (!/^[0-9a-f-]+$/.test(batchId)) throw new Error(`invalid batch id ${batchId}`);
  return `remove ${tableStage(settings, table)} pattern = ${quoteString(`.*${batchId}_${table}_[0-9a-f]+[.]csv[.]gz`)}`;
}

/** The ledger row of a batch (its purchases), when the ledger holds it. Bind: batch id. */
export const ledgerLookupSql = (settings: SnowflakeSettings): string =>
  `select "PURCHASES" from ${bronzeTable(settings, LEDGER_TABLE)} where "BATCH_ID" = ?`;

/** The ledger's size, and its batch furthest in the stream (`<position>-<hash>` ids): one row, none when empty. */
export const ledgerTopSql = (settings: SnowflakeSettings): string => {
  const ledger = bronzeTable(settings, LEDGER_TABLE);
  const position = `try_cast(split_part("BATCH_ID", '-', 1) as number)`;
  return `select (select count(*) from ${ledger}), "BATCH_ID", ${position} as position from ${ledger} order by position desc nulls last limit 1`;
};

/** The ledger row of a batch. Binds: batch id, synced at (ISO), purchases, row counts (JSON). */
export const ledgerInsertSql = (settings: SnowflakeSettings): string =>
  `insert into ${bronzeTable(settings, LEDGER_TABLE)} ("BATCH_ID", "LOADED_AT", "SYNCED_AT", "PURCHASES", "ROW_COUNTS") ` +
  `select ?, current_timestamp(), cast(? as timestamp_tz), ?, ?`;

export const ledgerCountSql = (settings: SnowflakeSettings): string => `select count(*) from ${bronzeTable(settings, LEDGER_TABLE)}`;

/** Row count of every bronze table in one statement (Snowflake answers COUNT(*) from metadata). */
export function bronzeRowCountsSql(settings: SnowflakeSettings): string {
  return BRONZE_TABLE_NAMES.map((name) => `select ${quoteString(name)}, count(*) from ${bronzeTable(settings, name)}`).join(' union all ');
}

/** Latest sync time of each bronze table that received rows, from the ledger (one row, contract order). */
export function ledgerFreshnessSql(settings: SnowflakeSettings): string {
  const columns = BRONZE_TABLE_NAMES.map(
    (name) => `max(iff(coalesce(try_parse_json("ROW_COUNTS"):${name}::number, 0) > 0, "SYNCED_AT", null))`,
  );
  return `select ${columns.join(', ')} from ${bronzeTable(settings, LEDGER_TABLE)}`;
}

/** The statements of one batch upload, in order: what a unit test pins and the warehouse runs. */
export interface UploadPlan {
  /** One PUT per table that has rows. */
  puts: Array<{ table: BronzeTableName; file: string; sql: string }>;
  /** Inside one transaction: ledger check, a COPY per table with rows, the ledger row. */
  copies: Array<{ table: BronzeTableName; sql: string; rows: number }>;
}

/** The plan of one attempt (`attempt` names its staged files; `localDir` holds their compressed copies). */
export function uploadPlan(settings: SnowflakeSettings, manifest: BatchManifest, localDir: (file: string) => string, attempt: string): UploadPlan {
  const tables = BRONZE_TABLE_NAMES.filter((name) => manifest.tables[name].rows > 0);
  const name = (table: BronzeTableName): string => stagedFileName(manifest.batchId, table, attempt);
  return {
    puts: tables.map((table) => ({ table, file: localDir(name(table)), sql: putSql(settings, table, localDir(name(table))) })),
    copies: tables.map((table) => ({ table, sql: copySql(settings, table, name(table)), rows: manifest.tables[table].rows })),
  };
}

/** Rows loaded by a COPY, from its result (one row per file: `file`, `status`, `rows_parsed`, `rows_loaded`, ...). */
export function rowsLoaded(result: { columns: Array<{ name: string }>; rows: unknown[][] }): number {
  const index = result.columns.findIndex((column) => column.name.toLowerCase() === 'rows_loaded');
  if (index < 0) return 0;
  return result.rows.reduce((sum, row) => sum + Number(row[index] ?? 0), 0);
}

/**
 * The catalog of one database in one query: every column of every table and view of its schemas
 * (the layers and whatever else dbt builds there), with row count, size and last change from
 * INFORMATION_SCHEMA.TABLES (metadata: no COUNT per table). The loader's ledger is left out.
 */
export function catalogSql(database: string, bronzeSchema: string): string {
  const db = quoteIdent(database);
  return `select c.table_schema, c.table_name, t.table_type, c.column_name,
       case when c.data_type = 'NUMBER' then 'NUMBER(' || c.numeric_precision || ',' || c.numeric_scale || ')'
            when c.data_type = 'TEXT' then 'VARCHAR' else c.data_type end as data_type,
       c.ordinal_position, t.row_count, t.bytes, t.last_altered
from ${db}.information_schema.columns as c
join ${db}.information_schema.tables as t
  on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
where c.table_schema <> 'INFORMATION_SCHEMA'
  and not (c.table_schema = ${quoteString(bronzeSchema)} and c.table_name = ${quoteString(contractName(LEDGER_TABLE))})
order by 1, 2, 6`;
}

/**
 * Session settings of every Medallion connection: timestamps as text the preview shows as is, and
 * no statement that runs for ever.
 */
export const SESSION_SQL: readonly string[] = [
  "alter session set timestamp_tz_output_format = 'YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM', " +
    "timestamp_ntz_output_format = 'YYYY-MM-DD HH24:MI:SS.FF3', timestamp_ltz_output_format = 'YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM', " +
    "date_output_format = 'YYYY-MM-DD'",
];

/** Query tag of Medallion's statements (shows in Snowflake's query history). */
export function queryTag(purpose: string, version: string): string {
  return JSON.stringify({ app: 'medallion', version, purpose });
}
