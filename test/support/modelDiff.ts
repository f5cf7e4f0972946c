/** Row-by-row comparison of the silver and gold relations of two DuckDB warehouses. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { tempDir } from './cli';

/** The schemas compared: data. Snapshots (history of build times) and the watermark ledger are not. */
export const COMPARED_SCHEMAS = ['silver', 'gold'] as const;

export interface ModelDiff {
  /** `schema.name` of every relation compared. */
  relations: string[];
  /** Relations that exist in one warehouse only. */
  missing: string[];
  /** Relations whose rows differ (as multisets), with the rows found on one side only. */
  differences: Record<string, { onlyInFirst: number; onlyInSecond: number }>;
}

/**
 * Every silver and gold relation of a warehouse, exported to Parquet so that two files can be
 * compared in a third database (a DuckDB view names its database, which is the file's name).
 */
async function exportModels(file: string, into: string): Promise<string[]> {
  mkdirSync(into, { recursive: true });
  const warehouse = await DuckDbWarehouse.open(file);
  try {
    const relations = (await warehouse.rows(
      `select table_schema || '.' || table_name from information_schema.tables
       where table_catalog = current_database() and table_schema in (${COMPARED_SCHEMAS.map((schema) => `'${schema}'`).join(', ')}) order by 1`,
    )).map((row) => String(row[0]));
    for (const relation of relations) await warehouse.rows(`copy (select * from ${relation}) to '${join(into, relation)}.parquet' (format parquet)`);
    return relations;
  } finally {
    await warehouse.close();
  }
}

/** Compares every silver and gold relation of two warehouses, every column, row by row (`except all` both ways). */
export async function modelDiff(fileA: string, fileB: string): Promise<ModelDiff> {
  const dir = tempDir('compare');
  const relations = await exportModels(fileA, join(dir, 'a'));
  const other = await exportModels(fileB, join(dir, 'b'));
  const differences: ModelDiff['differences'] = {};
  const missing = [...new Set([...relations, ...other])].filter((relation) => !relations.includes(relation) || !other.includes(relation));
  const memory = await DuckDbWarehouse.open(join(dir, 'compare.duckdb'), { create: true });
  try {
    for (const relation of relations.filter((name) => other.includes(name))) {
      const [a, b] = ['a', 'b'].map((side) => `read_parquet('${join(dir, side, relation)}.parquet')`);
      const [row] = await memory.rows(
        `select (select count(*) from (select * from ${a} except all select * from ${b})),
                (select count(*) from (select * from ${b} except all select * from ${a}))`,
      );
      const [onlyInFirst, onlyInSecond] = [Number(row?.[0]), Number(row?.[1])];
      if (onlyInFirst || onlyInSecond) differences[relation] = { onlyInFirst, onlyInSecond };
    }
  } finally {
    await memory.close();
  }
  return { relations, missing, differences };
}
