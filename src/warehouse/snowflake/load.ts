/**
 * Loads the Snowflake bundle (dist/snowflake.js) on first use (from source in tests and `tsx`),
 * and signs in through it: the one way the extension and the CLI open a Snowflake session.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Entry from './entry';
import type { SnowflakeSecrets, SnowflakeSettings } from './settings';
import { queryTag } from './statements';
import type { SnowflakeOpenOptions, SnowflakeWarehouse } from './warehouse';

let loaded: typeof Entry | undefined;

export function loadSnowflake(): typeof Entry {
  if (loaded) return loaded;
  // Computed paths keep esbuild from inlining the driver into the bundle that calls this.
  const bundled = join(__dirname, 'snowflake.js');
  // The driver's cloud SDK prints a Node-version notice on stderr when loaded.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(existsSync(bundled) ? bundled : join(__dirname, 'entry')) as typeof Entry;
  return loaded;
}

/** Signs in to Snowflake (the driver is loaded now, on first use), tagging every statement with what it is for. */
export function openSnowflake(
  settings: SnowflakeSettings,
  secrets: SnowflakeSecrets,
  options: { purpose: string; version: string } & Omit<SnowflakeOpenOptions, 'queryTag'>,
): Promise<SnowflakeWarehouse> {
  const { purpose, version, ...open } = options;
  return loadSnowflake().SnowflakeWarehouse.open(settings, secrets, { ...open, queryTag: queryTag(purpose, version) });
}
