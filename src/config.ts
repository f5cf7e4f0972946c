/** The `medallion.*` settings as one plain object. */
import * as vscode from 'vscode';
import { CONFIG_SECTION } from './constants';
import type { Settings } from './project';

export function readSettings(scope?: vscode.Uri): Settings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
  const get = <T>(key: string, fallback: T): T => config.get<T>(key, fallback) ?? fallback;
  return {
    projectDir: get('projectDir', ''),
    dbtPath: get('dbt.path', ''),
    pythonEnvironment: get('dbt.pythonEnvironment', ''),
    dbtTarget: get('dbt.target', ''),
    warehouse: get<'auto' | 'duckdb' | 'snowflake'>('warehouse', 'auto'),
    duckdbPath: get('duckdb.path', ''),
    snowflake: {
      account: get('snowflake.account', ''),
      user: get('snowflake.user', ''),
      role: get('snowflake.role', ''),
      warehouse: get('snowflake.warehouse', ''),
      database: get('snowflake.database', ''),
      authenticator: get('snowflake.authenticator', ''),
      privateKeyPath: get('snowflake.privateKeyPath', ''),
      // Where the password is sent: only the user's own settings may say (never a workspace's).
      accessUrl: config.inspect<string>('snowflake.accessUrl')?.globalValue ?? '',
    },
    layers: get<Record<string, string>>('layers', {}),
    purchases: get('simulation.purchases', 100),
    seed: get('simulation.seed', ''),
    intervalMinutes: get('simulation.intervalMinutes', 5),
    pageSize: get('preview.pageSize', 200),
  };
}
