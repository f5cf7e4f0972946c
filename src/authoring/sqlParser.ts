/**
 * DuckDB's own SQL parser, reached through `json_serialize_sql` on an in-memory database (no
 * file, no tables): the syntax tree column lineage walks. One instance serves many models; it
 * parses, it never runs a model's query.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { errorMessage } from '../core/errors';

/** A statement's syntax tree as DuckDB serializes it (see columnLineage.ts for the parts read). */
export type SqlAst = Record<string, unknown>;

export type ParseResult = { ok: true; statements: SqlAst[] } | { ok: false; error: string };

// DuckDB writes "no location" as 2^64-1, which JSON.parse rounds and DuckDB then refuses to read back.
const NO_LOCATION = /"query_location":18446744073709551615/g;

/** An in-memory DuckDB that parses SQL into syntax trees (and prints expressions back). */
export class SqlParser {
  /** Statements running now: close() waits for them (closing DuckDB under a running statement crashes the process). */
  private readonly running = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Runs one statement and reads its single value; refused once the parser is closing. */
  private async value(sql: string, parameter: string): Promise<string> {
    if (this.closing) throw new Error('the SQL parser was closed');
    const statement = this.connection.runAndReadAll(sql, [parameter]);
    this.running.add(statement);
    try {
      return String((await statement).getRows()[0]?.[0] ?? '');
    } finally {
      this.running.delete(statement);
    }
  }

  /** Opens an in-memory DuckDB for parsing. */
  static async open(): Promise<SqlParser> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new SqlParser(instance, await instance.connect());
  }

  /** The syntax trees of the statements of `sql`, or DuckDB's reason for not parsing it. */
  async parse(sql: string): Promise<ParseResult> {
    let text: string;
    try {
      text = await this.value('select json_serialize_sql(?::varchar)', sql);
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
    const root = JSON.parse(text.replace(NO_LOCATION, '"query_location":0')) as { error?: boolean; error_message?: string; statements?: Array<{ node?: SqlAst }> };
    if (root.error) return { ok: false, error: root.error_message ?? 'DuckDB cannot parse this SQL' };
    return { ok: true, statements: (root.statements ?? []).map((statement) => statement.node ?? {}) };
  }

  /**
   * The name DuckDB gives an unaliased select-list expression (`count_star()`, `(a + 1)`): the
   * expression printed back by DuckDB itself, alone in an otherwise empty select.
   */
  async expressionName(expression: SqlAst): Promise<string | undefined> {
    const node = {
      type: 'SELECT_NODE',
      modifiers: [],
      cte_map: { map: [] },
      select_list: [{ ...expression, alias: '' }],
      from_table: { type: 'EMPTY', alias: '', sample: null, query_location: 0 },
      where_clause: null,
      group_expressions: [],
      group_sets: [],
      aggregate_handling: 'STANDARD_HANDLING',
      having: null,
      sample: null,
      qualify: null,
    };
    try {
      const sql = await this.value('select json_deserialize_sql(?::json)', JSON.stringify({ error: false, statements: [{ node, named_param_map: [] }] }));
      return /^SELECT (.*)$/s.exec(sql)?.[1];
    } catch {
      return undefined;
    }
  }

  /**
   * Closes the in-memory database once the statements running now have ended; parses asked for
   * meanwhile or later answer that the parser was closed. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.running]);
      this.connection.closeSync();
      this.instance.closeSync();
    })();
    return this.closing;
  }
}
