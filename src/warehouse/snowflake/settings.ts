/**
 * Where a Snowflake warehouse is and how to sign in to it, from the dbt profile's `snowflake`
 * target (rendered with the environment) and the editor's settings. Pure: no driver, no I/O.
 *
 * Secrets (password, key passphrase) are kept apart from the settings in `SnowflakeSecrets`, so
 * that a settings object can be logged, shown or compared without ever carrying one.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BRONZE_SCHEMA } from '../../core/bronze';
import { valueText } from '../values';

export type SnowflakeAuthenticator = 'snowflake' | 'snowflake_jwt' | 'externalbrowser';

export const AUTHENTICATORS: readonly SnowflakeAuthenticator[] = ['snowflake', 'snowflake_jwt', 'externalbrowser'];

/** The schema of each layer, as Snowflake names it. */
export interface LayerSchemas {
  bronze: string;
  silver: string;
  gold: string;
  snapshots: string;
}

export interface SnowflakeSettings {
  /** Account identifier, `orgname-account_name` or a locator such as `xy12345.eu-central-1`. */
  account: string;
  user: string;
  authenticator: SnowflakeAuthenticator;
  role?: string | undefined;
  warehouse?: string | undefined;
  database: string;
  schemas: LayerSchemas;
  /** Private key file (PEM, PKCS#8) of key-pair authentication. */
  privateKeyPath?: string | undefined;
  /** Host override (private link, or a local Snowflake-protocol peer): `https://host:port`. */
  accessUrl?: string | undefined;
  /** Where the access URL came from, for messages (an environment variable, a setting). */
  accessUrlSource?: string | undefined;
}

export interface SnowflakeSecrets {
  password?: string | undefined;
  privateKeyPassphrase?: string | undefined;
}

/** Settings a user must fix (missing account, unknown authenticator, ...). */
export class SnowflakeConfigError extends Error {
  override readonly name = 'SnowflakeConfigError';
}

/**
 * An identifier as Snowflake stores it: unquoted names are upper-cased (as dbt writes them:
 * `gold.product_sales` is `GOLD.PRODUCT_SALES`); a name given in double quotes keeps its case.
 */
export function snowflakeName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replace(/""/g, '"');
  return trimmed.toUpperCase();
}

/** The layer schemas of dbt-sample (dbt_project.yml), Snowflake-cased. */
export const DEFAULT_LAYER_SCHEMAS: LayerSchemas = {
  bronze: snowflakeName(BRONZE_SCHEMA),
  silver: 'SILVER',
  gold: 'GOLD',
  snapshots: 'SNAPSHOTS',
};

const text = (value: unknown): string | undefined => {
  const result = valueText(value).trim();
  return result === '' ? undefined : result;
};

/** The authenticator dbt-snowflake would use for these fields. */
export function authenticatorOf(value: unknown, privateKeyPath: string | undefined): SnowflakeAuthenticator {
  const given = text(value)?.toLowerCase();
  if (given === undefined || given === 'snowflake') return privateKeyPath ? 'snowflake_jwt' : 'snowflake';
  if (given === 'snowflake_jwt' || given === 'externalbrowser') return given;
  throw new SnowflakeConfigError(
    `authenticator ${JSON.stringify(value)} is not supported: use snowflake (password), snowflake_jwt (key pair) or externalbrowser (SSO)`,
  );
}

/** What a dbt `snowflake` target or the settings give, before checking. */
export interface SnowflakeFields {
  account?: unknown;
  user?: unknown;
  authenticator?: unknown;
  role?: unknown;
  warehouse?: unknown;
  database?: unknown;
  private_key_path?: unknown;
  accessUrl?: unknown;
  /** Where the access URL comes from, when not from the same place as the rest (an environment variable, a setting). */
  accessUrlWhere?: string;
  schemas?: Partial<LayerSchemas>;
}

/** Host names that never leave the machine: the only ones plain http may reach. */
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * A checked access URL (`https://host[:port]`), or undefined. Plain http is refused except to this
 * machine (a local Snowflake-protocol peer): the password would otherwise cross the network in
 * clear text, to whatever host the URL names.
 */
export function checkAccessUrl(value: string | undefined, where: string): string | undefined {
  if (!value) return undefined;
  const match = /^(https?):\/\/([^/\s:]+|\[[^\]\s]+\])(?::(\d{1,5}))?\/?$/i.exec(value);
  if (!match) throw new SnowflakeConfigError(`${where}: the access URL must look like https://host[:port], got ${JSON.stringify(value)}`);
  const [, scheme, host] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() === 'http' && !LOOPBACK.test(host)) {
    throw new SnowflakeConfigError(`${where}: the access URL ${value} is plain http to another machine, which would send the password in clear text: use https://`);
  }
  return value.replace(/\/$/, '');
}

/** The host (and port) of the endpoint the settings sign in to: part of the key of a stored secret. */
export function endpointHost(settings: Pick<SnowflakeSettings, 'account' | 'accessUrl'>): string {
  if (settings.accessUrl) return settings.accessUrl.replace(/^https?:\/\//i, '').toLowerCase();
  return `${settings.account}.snowflakecomputing.com`.toLowerCase();
}

/**
 * Checked settings. Every problem is reported at once with where to fix it, because a user
 * setting up an account fixes them together.
 */
export function snowflakeSettings(fields: SnowflakeFields, where: string): SnowflakeSettings {
  const problems: string[] = [];
  const account = text(fields.account);
  const user = text(fields.user);
  const database = text(fields.database);
  if (!account) problems.push('the account (SNOWFLAKE_ACCOUNT)');
  if (!user) problems.push('the user (SNOWFLAKE_USER)');
  if (!database) problems.push('the database (SNOWFLAKE_DATABASE)');
  if (problems.length > 0) throw new SnowflakeConfigError(`${where} does not name ${problems.join(', ')}`);
  const keyPath = text(fields.private_key_path);
  // `~/.ssh/rsa_key.p8` as a shell would read it (dbt-snowflake does the same).
  const privateKeyPath = keyPath && /^~(?=$|[\\/])/.test(keyPath) ? join(homedir(), keyPath.slice(1)) : keyPath;
  const authenticator = authenticatorOf(fields.authenticator, privateKeyPath);
  if (authenticator === 'snowflake_jwt' && !privateKeyPath) {
    throw new SnowflakeConfigError(`${where} uses key-pair authentication but names no private key file (SNOWFLAKE_PRIVATE_KEY_PATH)`);
  }
  const accountText = account as string;
  if (/^https?:\/\//i.test(accountText) || /\.snowflakecomputing\.com/i.test(accountText)) {
    throw new SnowflakeConfigError(
      `${where}: the account is the identifier only, e.g. myorg-myaccount or xy12345.eu-central-1, not the URL ${JSON.stringify(accountText)}`,
    );
  }
  const accessUrl = checkAccessUrl(text(fields.accessUrl), fields.accessUrlWhere ?? where);
  const schemas = { ...DEFAULT_LAYER_SCHEMAS };
  for (const layer of Object.keys(schemas) as Array<keyof LayerSchemas>) {
    const given = text(fields.schemas?.[layer]);
    if (given) schemas[layer] = snowflakeName(given);
  }
  return {
    account: accountText,
    user: user as string,
    authenticator,
    role: text(fields.role),
    warehouse: text(fields.warehouse),
    database: snowflakeName(database as string),
    schemas,
    privateKeyPath,
    accessUrl,
    ...(accessUrl ? { accessUrlSource: fields.accessUrlWhere ?? where } : {}),
  };
}

/** The secrets a dbt target holds (rendered from `env_var()` in profiles.yml): what the CLI signs in with. */
export const secretsFromTarget = (fields: Record<string, unknown>): SnowflakeSecrets => ({
  password: text(fields.password),
  privateKeyPassphrase: text(fields.private_key_passphrase),
});

/** Checks that the secret the authenticator needs is there, saying where it comes from. */
export function requireSecrets(settings: SnowflakeSettings, secrets: SnowflakeSecrets, source: string): void {
  if (settings.authenticator === 'snowflake' && !secrets.password) {
    throw new SnowflakeConfigError(`no Snowflake password for ${settings.user}: ${source}`);
  }
}

/** The secrets' values, longest first (what redaction looks for). */
export function secretValues(secrets: SnowflakeSecrets): string[] {
  return [secrets.password, secrets.privateKeyPassphrase]
    .filter((value): value is string => typeof value === 'string' && value.length > 0)
    .sort((a, b) => b.length - a.length);
}

/** Text with every secret replaced by `***`, for messages and logs. */
export function redact(message: string, secrets: SnowflakeSecrets): string {
  let result = message;
  for (const secret of secretValues(secrets)) result = result.split(secret).join('***');
  // The driver's own messages may echo connection options; never let a password field through.
  return result.replace(/("?(?:password|passcode|privateKeyPass|private_key_passphrase|token)"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}]+)/gi, '$1***');
}

/** Where the settings point, for messages (never a secret). */
export const describeSettings = (settings: SnowflakeSettings): string =>
  `Snowflake ${settings.account}/${settings.database}${settings.role ? ` as ${settings.user} (${settings.role})` : ` as ${settings.user}`}`;

/**
 * The environment dbt-snowflake reads (dbt-sample/profiles.yml renders each field with
 * `env_var()`): what the extension hands to the dbt task it starts, secrets included, so
 * that nothing is ever written to a file.
 */
export function dbtEnvironment(settings: SnowflakeSettings, secrets: SnowflakeSecrets): Record<string, string> {
  const env: Record<string, string> = {
    SNOWFLAKE_ACCOUNT: settings.account,
    SNOWFLAKE_USER: settings.user,
    SNOWFLAKE_AUTHENTICATOR: settings.authenticator,
    SNOWFLAKE_DATABASE: settings.database,
  };
  if (settings.role) env.SNOWFLAKE_ROLE = settings.role;
  if (settings.warehouse) env.SNOWFLAKE_WAREHOUSE = settings.warehouse;
  if (settings.privateKeyPath) env.SNOWFLAKE_PRIVATE_KEY_PATH = settings.privateKeyPath;
  if (secrets.password) env.SNOWFLAKE_PASSWORD = secrets.password;
  if (secrets.privateKeyPassphrase) env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = secrets.privateKeyPassphrase;
  return env;
}
