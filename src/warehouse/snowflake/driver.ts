/**
 * A thin promise layer over `snowflake-sdk`: one signed-in session, statements with binds,
 * cancellation by AbortSignal, and the driver's logging kept out of the workspace. This is the
 * only file that imports the driver; it is bundled on its own (dist/snowflake.js) and loaded on
 * first use, never at activation.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as snowflake from 'snowflake-sdk';
import driverHttp from 'snowflake-sdk/dist/lib/http/axios_instance';
import { abortError } from '../preview';
import { translateError, withRetry, type RetryOptions, type SnowflakeError } from './errors';
import { redact, type SnowflakeSecrets, type SnowflakeSettings } from './settings';
import { SESSION_SQL } from './statements';

export type Bind = string | number | boolean | null;

export interface ColumnInfo {
  name: string;
  /** Snowflake's type name, with precision and scale for NUMBER (`NUMBER(38,2)`). */
  type: string;
}

export interface StatementResult {
  columns: ColumnInfo[];
  rows: unknown[][];
  /** Rows inserted/loaded/deleted as the statement reports them (for DML). */
  queryId: string | undefined;
}

/** A result the server keeps for the session (a preview's snapshot): ranges of it are read on demand. */
export interface HeldRows {
  columns: ColumnInfo[];
  rowCount: number;
  queryId: string;
  /** Rows `start` to `end - 1`: the driver downloads only the result chunks that hold them. */
  read(start: number, end: number, signal: AbortSignal): Promise<unknown[][]>;
}

export interface ExecuteOptions {
  binds?: readonly Bind[];
  signal?: AbortSignal;
  /** Values of these kinds come back as Snowflake's text (exact decimals, formatted timestamps). */
  asText?: boolean;
}

export interface ConnectOptions {
  /** Where the driver may write its log (never the workspace); default: the temp folder. */
  logFile?: string | undefined;
  /** JSON query tag of every statement of the session. */
  queryTag: string;
  /** Opens the SSO page of external-browser authentication (the editor passes its own opener). */
  openBrowser?: ((url: string) => void) | undefined;
  retry?: RetryOptions;
}

/**
 * The driver retries a request whose answer did not come up to 1,000 times, 16 s apart: a lost
 * network meant minutes of silence per statement, on top of Medallion's own retries. Here the
 * driver tries a request three times within a few seconds (same request id: Snowflake answers a
 * repeated request from its first run, so a blip costs nothing), then gives the error to
 * Medallion, which knows what is safe to run again and says so.
 */
const DRIVER_RETRIES = 2;
const DRIVER_RETRY_SLEEP_CAP_S = 2;
/** Each HTTP request (sign-in, statement) gives up after this long without an answer. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The part of the driver's HTTP request settings its retry interceptor reads. */
interface RetryConfigured {
  useSnowflakeRetryMiddleware?: boolean;
  __snowflakeRetryConfig?: { maxRetries: number; sleepBase: number; sleepCap: number; includeRetryReason: boolean };
}

let driverBounded = false;
function boundDriverRetries(): void {
  if (driverBounded) return;
  driverBounded = true;
  // The driver's retry settings are not passed down to its HTTP layer (2.4: it always uses its
  // defaults, 7 tries up to 16 s apart); its interceptor keeps a setting already present, and
  // request interceptors run last-registered first, so this one sets it.
  const http = driverHttp as unknown as { interceptors: { request: { use(onRequest: (config: RetryConfigured) => RetryConfigured): unknown } } };
  http.interceptors.request.use((config) => {
    if (config.useSnowflakeRetryMiddleware) {
      config.__snowflakeRetryConfig ??= { maxRetries: DRIVER_RETRIES, sleepBase: 1, sleepCap: DRIVER_RETRY_SLEEP_CAP_S, includeRetryReason: false };
    }
    return config;
  });
}

let configuredLog: string | undefined;

/**
 * The driver logs to a file of its own choosing (`snowflake.log` in the current folder) and at a
 * level that can include request details: point it at a file outside the workspace, errors only.
 */
export function configureDriverLogging(logFile = join(tmpdir(), 'medallion', 'snowflake-driver.log')): void {
  if (configuredLog === logFile) return;
  mkdirSync(dirname(logFile), { recursive: true });
  snowflake.configure({ logLevel: 'ERROR', logFilePath: logFile, additionalLogToConsole: false });
  configuredLog = logFile;
}

/** The driver's connection options for settings and secrets (exported for the unit tests). */
export function connectionOptions(settings: SnowflakeSettings, secrets: SnowflakeSecrets, options: ConnectOptions): snowflake.ConnectionOptions {
  const result: snowflake.ConnectionOptions = {
    account: settings.account,
    username: settings.user,
    database: settings.database,
    schema: settings.schemas.bronze,
    authenticator: settings.authenticator.toUpperCase(),
    queryTag: options.queryTag,
    clientSessionKeepAlive: true,
    // Values fetched as text (numbers, dates) would otherwise turn NULL into the string 'NULL'.
    representNullAsStringNull: false,
    // A request without an answer for this long fails (a long statement answers "in progress" well before).
    timeout: REQUEST_TIMEOUT_MS,
    // Medallion retries the sign-in itself, with progress and a deadline (see SnowflakeSession.connect).
    sfRetryMaxLoginRetries: 0,
  };
  if (settings.role) result.role = settings.role;
  if (settings.warehouse) result.warehouse = settings.warehouse;
  if (settings.accessUrl) result.accessUrl = settings.accessUrl;
  if (settings.authenticator === 'snowflake') result.password = secrets.password ?? '';
  if (settings.authenticator === 'snowflake_jwt') {
    result.privateKeyPath = settings.privateKeyPath ?? '';
    if (secrets.privateKeyPassphrase) result.privateKeyPass = secrets.privateKeyPassphrase;
  }
  if (settings.authenticator === 'externalbrowser' && options.openBrowser) {
    const open = options.openBrowser;
    (result as { openExternalBrowserCallback?: (url: string) => void }).openExternalBrowserCallback = open;
  }
  return result;
}

/** Type name as the preview and the catalog show it. */
function columnType(column: snowflake.Column): string {
  const type = column.getType().toUpperCase();
  if (type === 'FIXED' || type === 'NUMBER') return `NUMBER(${column.getPrecision()},${column.getScale()})`;
  if (type === 'TEXT') return 'VARCHAR';
  if (type === 'REAL') return 'FLOAT';
  return type;
}

/** Sign-in, retries included, gives up after this long. */
export const SIGN_IN_DEADLINE_MS = 50_000;

/** `work`, or a network error once the deadline passes (`abandon` then cleans up after it). */
async function withinDeadline(work: Promise<void>, deadline: number, abandon: () => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      work.then(abandon, () => undefined);
      reject(new Error(`Request to Snowflake failed: no answer within ${Math.round(SIGN_IN_DEADLINE_MS / 1000)} s`));
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export class SnowflakeSession {
  private closed = false;

  private constructor(
    private readonly connection: snowflake.Connection,
    readonly settings: SnowflakeSettings,
    private readonly secrets: SnowflakeSecrets,
  ) {}

  /** Signs in (retrying network failures with backoff) and prepares the session. */
  static async connect(settings: SnowflakeSettings, secrets: SnowflakeSecrets, options: ConnectOptions): Promise<SnowflakeSession> {
    configureDriverLogging(options.logFile);
    boundDriverRetries();
    const translate = (error: unknown): SnowflakeError => translateError(error, settings, secrets);
    const deadline = Date.now() + SIGN_IN_DEADLINE_MS;
    const session = await withRetry(
      async () => {
        const connection = snowflake.createConnection(connectionOptions(settings, secrets, options));
        const signedIn =
          settings.authenticator === 'externalbrowser'
            ? connection.connectAsync().then(() => undefined)
            : new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
        // SSO waits for the user in the browser; anything else must answer before the deadline.
        if (settings.authenticator !== 'externalbrowser') await withinDeadline(signedIn, deadline, () => connection.destroy(() => undefined));
        else await signedIn;
        return new SnowflakeSession(connection, settings, secrets);
      },
      translate,
      // An unreachable endpoint fails within a minute, saying so on the way (onRetry).
      { deadlineMs: SIGN_IN_DEADLINE_MS, ...options.retry },
    );
    for (const sql of SESSION_SQL) await session.execute(sql).catch(() => undefined);
    return session;
  }

  get isUp(): boolean {
    return !this.closed && this.connection.isUp();
  }

  /** Runs one statement; rejects with a `SnowflakeError` whose message is fit for the user. */
  execute(sql: string, options: ExecuteOptions = {}): Promise<StatementResult> {
    if (this.closed) return Promise.reject(translateError(new Error('the Snowflake session is closed'), this.settings, this.secrets));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<StatementResult>((resolve, reject) => {
      const running: { statement?: snowflake.RowStatement | snowflake.FileAndStageBindStatement } = {};
      const onAbort = (): void => running.statement?.cancel(() => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      running.statement = this.connection.execute({
        sqlText: sql,
        ...(options.binds ? { binds: options.binds } : {}),
        rowMode: 'array',
        ...(options.asText ? { fetchAsString: ['Number', 'Date', 'JSON', 'Buffer'] as snowflake.DataType[] } : {}),
        complete: (error, stmt, rows) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) {
            reject(abortError());
            return;
          }
          if (error) {
            reject(translateError(error, this.settings, this.secrets));
            return;
          }
          const columns = (stmt.getColumns() ?? []).map((column) => ({ name: column.getName(), type: columnType(column) }));
          resolve({ columns, rows: (rows ?? []) as unknown[][], queryId: stmt.getQueryId?.() });
        },
      });
    });
  }

  /** Rows of a query as arrays. */
  async rows(sql: string, binds?: readonly Bind[]): Promise<unknown[][]> {
    return (await this.execute(sql, binds ? { binds } : {})).rows;
  }

  /** Streams the rows of a query to `onRow` (an export of millions of rows holds one chunk at a time). */
  stream(
    sql: string,
    sink: { onColumns?(columns: ColumnInfo[]): void | Promise<void>; onRow(row: unknown[]): void | Promise<void> },
    signal: AbortSignal,
  ): Promise<{ columns: ColumnInfo[]; rows: number }> {
    if (signal.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      let count = 0;
      const statement = this.connection.execute({
        sqlText: sql,
        rowMode: 'array',
        streamResult: true,
        fetchAsString: ['Number', 'Date', 'JSON', 'Buffer'] as snowflake.DataType[],
        complete: (error, stmt) => {
          if (error) {
            reject(signal.aborted ? abortError() : translateError(error, this.settings, this.secrets));
            return;
          }
          const columns = (stmt.getColumns() ?? []).map((column) => ({ name: column.getName(), type: columnType(column) }));
          const rows = stmt.streamRows();
          const onAbort = (): void => {
            rows.destroy(abortError());
            stmt.cancel(() => undefined);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          (async () => {
            await sink.onColumns?.(columns);
            for await (const row of rows as AsyncIterable<unknown[]>) {
              await sink.onRow(row);
              count += 1;
            }
          })().then(
            () => {
              signal.removeEventListener('abort', onAbort);
              resolve({ columns, rows: count });
            },
            (streamError: unknown) => {
              signal.removeEventListener('abort', onAbort);
              reject(signal.aborted ? abortError() : translateError(streamError, this.settings, this.secrets));
            },
          );
        },
      });
      signal.addEventListener('abort', () => statement.cancel(() => undefined), { once: true });
    });
  }

  /**
   * Runs a query once and keeps its result on the server (Snowflake stores every result for a
   * day): the preview reads any range of it later without running the query again.
   */
  hold(sql: string, signal: AbortSignal): Promise<HeldRows> {
    if (this.closed) return Promise.reject(translateError(new Error('the Snowflake session is closed'), this.settings, this.secrets));
    if (signal.aborted) return Promise.reject(abortError());
    const fetchAsString = ['Number', 'Date', 'JSON', 'Buffer'] as snowflake.DataType[];
    return new Promise<HeldRows>((resolve, reject) => {
      const onAbort = (): void => statement.cancel(() => undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      const statement = this.connection.execute({
        sqlText: sql,
        rowMode: 'array',
        streamResult: true,
        fetchAsString,
        complete: (error, stmt) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) return reject(abortError());
          if (error) return reject(translateError(error, this.settings, this.secrets));
          const columns = (stmt.getColumns() ?? []).map((column) => ({ name: column.getName(), type: columnType(column) }));
          resolve({
            columns,
            rowCount: stmt.getNumRows(),
            queryId: stmt.getQueryId(),
            read: async (start, end, readSignal) => {
              if (readSignal.aborted) throw abortError();
              if (end <= start) return [];
              const stream = stmt.streamRows({ start, end: end - 1 });
              const onReadAbort = (): void => void stream.destroy(abortError());
              readSignal.addEventListener('abort', onReadAbort, { once: true });
              const rows: unknown[][] = [];
              try {
                for await (const row of stream as AsyncIterable<unknown[]>) rows.push(row);
              } catch (streamError) {
                throw readSignal.aborted ? abortError() : translateError(streamError, this.settings, this.secrets);
              } finally {
                readSignal.removeEventListener('abort', onReadAbort);
              }
              return rows;
            },
          });
        },
      });
    });
  }

  /** Ends the session (best effort: a dropped network must not make closing fail). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.connection.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** A message without secrets, for logs. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }
}
