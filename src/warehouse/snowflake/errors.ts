/**
 * The Snowflake errors a user meets, as messages that say what to fix, and which of them are
 * worth a retry. Pure: it reads the `code`, `sqlState` and `message` the driver puts on its
 * errors, and never lets a secret through.
 */
import { valueText } from '../values';
import { redact, type SnowflakeSecrets, type SnowflakeSettings } from './settings';

/** What the driver's errors carry (snowflake-sdk sets these fields). */
export interface DriverError {
  message?: string;
  code?: string | number;
  sqlState?: string;
  cause?: unknown;
  response?: { status?: number } | undefined;
}

export type SnowflakeProblem =
  | 'account'
  | 'credentials'
  | 'key'
  | 'token-expired'
  | 'role'
  | 'privileges'
  | 'warehouse'
  | 'network'
  | 'cancelled'
  | 'sql';

export class SnowflakeError extends Error {
  override readonly name = 'SnowflakeError';
  constructor(
    message: string,
    readonly problem: SnowflakeProblem,
    readonly code: string | undefined,
    readonly sqlState: string | undefined,
  ) {
    super(message);
  }

  /** Transient: the same request may succeed if sent again. */
  get retryable(): boolean {
    return this.problem === 'network';
  }
}

const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ESOCKETTIMEDOUT|EPIPE|socket hang up|network error|timed? ?out|Request to Snowflake failed/i;

/** The driver's code as text without leading zeros (`002003` and 2003 alike). */
const codeOf = (error: DriverError): string | undefined => {
  if (error.code === undefined || error.code === null) return undefined;
  const text = String(error.code);
  return /^\d+$/.test(text) ? String(Number(text)) : text;
};

function causeText(error: DriverError): string {
  const parts: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause && depth < 3; depth++) {
    const item = cause as DriverError;
    parts.push(`${item.code ?? ''} ${item.message ?? valueText(cause)}`);
    cause = item.cause;
  }
  return parts.join(' ');
}

/**
 * A user-facing error for anything the driver threw. `settings` name the account, user, role and
 * warehouse in the message; `secrets` are removed from any text that reaches it.
 */
export function translateError(error: unknown, settings: SnowflakeSettings, secrets: SnowflakeSecrets = {}): SnowflakeError {
  if (error instanceof SnowflakeError) return error;
  const driver = (error && typeof error === 'object' ? error : { message: String(error) }) as DriverError;
  // One line: the CLI prints one line per error, and a notification shows one.
  const raw = redact(driver.message ?? valueText(error), secrets).replace(/\s*\n\s*/g, ' ').trim();
  const code = codeOf(driver);
  const sqlState = driver.sqlState;
  const all = `${raw} ${redact(causeText(driver), secrets)}`;
  const make = (problem: SnowflakeProblem, message: string): SnowflakeError => new SnowflakeError(message, problem, code, sqlState);
  const where = `${settings.account} as ${settings.user}`;

  if (settings.accessUrl && /ENOTFOUND|getaddrinfo|ECONNREFUSED|certificate|self.signed|EPROTO/i.test(all)) {
    const why = /ENOTFOUND|getaddrinfo/i.test(all) ? 'its host name does not resolve' : /ECONNREFUSED/i.test(all) ? 'nothing answers there' : 'its TLS certificate is refused';
    const problem: SnowflakeProblem = /ECONNREFUSED/i.test(all) ? 'network' : 'account';
    return make(problem, `the Snowflake access URL ${settings.accessUrl} (from ${settings.accessUrlSource ?? 'the settings'}) cannot be reached: ${why}; check that URL, or leave it empty to use ${settings.account}.snowflakecomputing.com.`);
  }
  if (/ENOTFOUND|getaddrinfo/i.test(all) || (driver.response?.status === 403 && /account/i.test(all))) {
    return make(
      'account',
      `Snowflake account ${JSON.stringify(settings.account)} cannot be reached: check the account identifier ` +
        '(orgname-account_name, or the locator with its region such as xy12345.eu-central-1), not the URL.',
    );
  }
  if (code === '390100' || /incorrect username or password/i.test(raw)) {
    return make('credentials', `Snowflake refused the user name or password for ${where}: set the password again (Medallion: Set Snowflake Secret in the editor, SNOWFLAKE_PASSWORD for the CLI).`);
  }
  if (code === '390144' || /JWT token is invalid/i.test(raw)) {
    return make(
      'key',
      `Snowflake refused the key pair of ${settings.user}: the public key registered with ALTER USER ... SET RSA_PUBLIC_KEY must match ${settings.privateKeyPath ?? 'the private key'}, and the key must not have been rotated out.`,
    );
  }
  if (/private ?key|bad decrypt|PEM|passphrase|ENOENT.*\.(p8|pem|key)/i.test(all) && settings.authenticator === 'snowflake_jwt') {
    return make(
      'key',
      `cannot use the private key ${settings.privateKeyPath ?? ''}: the file must exist and be a PKCS#8 PEM key; if it is encrypted, set its passphrase (SNOWFLAKE_PRIVATE_KEY_PASSPHRASE). (${raw})`,
    );
  }
  if (code === '390114' || code === '390112' || /token has expired|session (?:no longer exists|expired)/i.test(raw)) {
    return make('token-expired', `the Snowflake session expired: Medallion signs in again on the next request. (${raw})`);
  }
  if (code === '390189' || /Role '.*' specified in the connect string does not exist or not authorized/i.test(raw)) {
    return make('role', `role ${settings.role ?? '(default)'} is not granted to ${settings.user}: GRANT ROLE ${settings.role ?? '<role>'} TO USER ${settings.user}, or pick another role.`);
  }
  if (code === '606' || /No active warehouse selected/i.test(raw)) {
    return make(
      'warehouse',
      `no usable Snowflake warehouse: set the warehouse (SNOWFLAKE_WAREHOUSE) and GRANT USAGE ON WAREHOUSE ${settings.warehouse ?? '<warehouse>'} TO ROLE ${settings.role ?? '<role>'}.`,
    );
  }
  if (/warehouse .* (?:is )?suspended|cannot be resumed|resource monitor/i.test(raw)) {
    return make(
      'warehouse',
      `warehouse ${settings.warehouse ?? ''} is suspended and cannot resume (auto-resume off or its resource monitor's quota is spent): ALTER WAREHOUSE ${settings.warehouse ?? '<warehouse>'} RESUME, or ask an account admin. (${raw})`,
    );
  }
  if (code === '3001' || sqlState === '42501' || /Insufficient privileges/i.test(raw)) {
    return make('privileges', `role ${settings.role ?? '(default)'} lacks a privilege: ${raw} See the README for the grants each layer needs.`);
  }
  if (code === '2003' || /does not exist or not authorized/i.test(raw)) {
    // Medallion never creates the database (init creates bronze inside it): say so rather than point at init.
    if (/^Database /i.test(raw.replace(/^SQL compilation error:\s*/i, ''))) {
      return make(
        'privileges',
        `${raw} Create the database (CREATE DATABASE ${settings.database}) or GRANT USAGE ON DATABASE ${settings.database} TO ROLE ${settings.role ?? '<role>'}.`,
      );
    }
    return make('privileges', `${raw} Either it does not exist yet (\`medallion init --target snowflake\` creates bronze) or role ${settings.role ?? '(default)'} cannot see it.`);
  }
  if (/cancel/i.test(raw) && (code === '604' || /cancelled|canceled/i.test(raw))) return make('cancelled', 'cancelled');
  if (NETWORK.test(all) || code === '401001' || code === '401002') {
    return make('network', `Snowflake did not answer (${raw}); check the network or proxy, then retry.`);
  }
  return make('sql', raw);
}

export interface RetryOptions {
  attempts?: number;
  /** First delay; doubles each time, with jitter. */
  baseMs?: number;
  /** No new attempt starts after this long (the last error is thrown). */
  deadlineMs?: number;
  onRetry?: (error: SnowflakeError, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Runs `work` again on transient (network) errors, with exponential backoff; other errors at once. */
export async function withRetry<T>(work: () => Promise<T>, translate: (error: unknown) => SnowflakeError, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const now = options.now ?? Date.now;
  const deadline = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const translated = translate(error);
      const delay = Math.round(base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
      if (!translated.retryable || attempt >= attempts || now() + delay >= deadline) throw translated;
      options.onRetry?.(translated, attempt, delay);
      await sleep(delay);
    }
  }
}
