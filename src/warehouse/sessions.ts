/**
 * The editor's sessions with the project's warehouse: one shared access at a time (the DuckDB
 * file, leased briefly, or a Snowflake session kept while in use) and the preview backend (on
 * Snowflake a session of its own). No VS Code: the shell hands in where a warehouse's Snowflake
 * settings and secrets come from, and what previews share.
 */
import type { CatalogColumn } from '../core/layers';
import { WarehouseAccess } from './access';
import { DuckDbWarehouse } from './duckdb';
import { createDuckDbPreviewBackend, type DuckDbPreviewOptions, type PreviewBackend } from './preview';
import { loadSnowflake, openSnowflake } from './snowflake/load';
import { requireSecrets, type SnowflakeSecrets, type SnowflakeSettings } from './snowflake/settings';
import type { SnowflakeWarehouse } from './snowflake/warehouse';
import type { Warehouse } from './warehouse';

/** What the extension asks of any warehouse: the loader's interface, the catalog and bronze freshness. */
export type ExtensionWarehouse = Warehouse & {
  catalog(): Promise<CatalogColumn[]>;
  bronzeFreshness(): Promise<Map<string, string>>;
  /** Exact rows of tables whose catalog rows are estimates (DuckDB). */
  countRows?(tables: ReadonlyArray<readonly [string, string]>): Promise<Map<string, number>>;
};

/**
 * A DuckDB connection stays open this long after its last use: long enough for the pages of one
 * click, short enough that dbt started from a terminal between clicks never meets its lock.
 */
const DUCKDB_LEASE_MS = 250;
/** Snowflake sessions stay open this long when idle (signing in costs a round trip or an SSO page). */
const SNOWFLAKE_IDLE_MS = 10 * 60_000;

/** What the sessions need from the shell that holds them. */
export interface WarehouseSessionsHost {
  /** The Snowflake settings of a warehouse key, when it is the project's Snowflake warehouse. */
  snowflakeFor(key: string): SnowflakeSettings | undefined;
  /** The secrets of a Snowflake user. */
  secrets(settings: SnowflakeSettings): Promise<SnowflakeSecrets>;
  /** What the user does when a secret is missing (the end of the error message). */
  secretsHint: string;
  /** The extension's version, for the Snowflake query tag. */
  version: string;
  /** The Snowflake driver's log file. */
  driverLog: string;
  /** Opens an SSO sign-in page. */
  openBrowser(url: string): void;
  /** The scratch database of the DuckDB previews. */
  scratch(): NonNullable<DuckDbPreviewOptions['scratch']>;
  /** The shared access the previews follow (undefined on Snowflake: nothing to wait for). */
  watchPreviews(access: WarehouseAccess | undefined): void;
  /** A new shared DuckDB access: dbt started elsewhere may have to release it at once. */
  duckDbAccessOpened(access: WarehouseAccess): void;
}

export class WarehouseSessions {
  private accessFor: { file: string; access: WarehouseAccess<ExtensionWarehouse>; snowflake: boolean } | undefined;
  /** The preview backend of one warehouse, and how to close the session it holds (Snowflake). */
  private backendFor: { file: string; backend: PreviewBackend; close?: () => void } | undefined;

  constructor(private readonly host: WarehouseSessionsHost) {}

  /** Signs in to Snowflake (the driver is loaded now, on first use). */
  private async openSnowflake(settings: SnowflakeSettings, purpose: string): Promise<SnowflakeWarehouse> {
    const secrets = await this.host.secrets(settings);
    requireSecrets(settings, secrets, this.host.secretsHint);
    return openSnowflake(settings, secrets, {
      purpose,
      version: this.host.version,
      logFile: this.host.driverLog,
      openBrowser: (url) => this.host.openBrowser(url),
    });
  }

  /** Shared access to the project's warehouse (one at a time): its DuckDB file, or a Snowflake session. */
  access(key: string): WarehouseAccess<ExtensionWarehouse> {
    if (this.accessFor?.file !== key) {
      void this.accessFor?.access.dispose();
      const snowflake = this.host.snowflakeFor(key);
      const access = snowflake
        ? new WarehouseAccess<ExtensionWarehouse>(() => this.openSnowflake(snowflake, 'loader'), SNOWFLAKE_IDLE_MS)
        : new WarehouseAccess<ExtensionWarehouse>(() => DuckDbWarehouse.open(key, { create: true }), { idleMs: DUCKDB_LEASE_MS });
      this.accessFor = { file: key, access, snowflake: snowflake !== undefined };
      if (!snowflake) this.host.duckDbAccessOpened(access);
    }
    return this.accessFor.access;
  }

  /** The preview backend of a warehouse: the shared DuckDB access, or a Snowflake session of its own. */
  previewBackend(key: string): PreviewBackend {
    if (this.backendFor?.file !== key) {
      this.closePreviewSession();
      const snowflake = this.host.snowflakeFor(key);
      let backend: PreviewBackend;
      let close: (() => void) | undefined;
      if (snowflake) {
        // Previews get their own session, so that a long upload never queues a page behind it.
        let session: Promise<SnowflakeWarehouse> | undefined;
        const connection = async () => {
          session ??= this.openSnowflake(snowflake, 'preview').catch((error: unknown) => {
            session = undefined;
            throw error;
          });
          return (await session).connection();
        };
        backend = loadSnowflake().createSnowflakePreviewBackend(connection);
        close = () => void session?.then((warehouse) => warehouse.close(), () => undefined);
      } else {
        const access = this.access(key) as WarehouseAccess<DuckDbWarehouse>;
        backend = createDuckDbPreviewBackend((work, signal) => access.use((warehouse) => work(warehouse.previewConnection()), signal), {
          file: key,
          scratch: this.host.scratch(),
        });
      }
      this.host.watchPreviews(snowflake ? undefined : this.access(key));
      this.backendFor = { file: key, backend, ...(close ? { close } : {}) };
    }
    return this.backendFor.backend;
  }

  /** Closes the session of the current preview backend, if it holds one, and forgets the backend. */
  private closePreviewSession(): void {
    this.backendFor?.close?.();
    this.backendFor = undefined;
  }

  /** Ends the Snowflake sessions (secrets changed) so the next request signs in again; true when there were any. */
  closeSnowflakeSessions(): boolean {
    const loader = this.accessFor?.snowflake ? this.accessFor : undefined;
    const preview = this.backendFor?.close !== undefined;
    if (!loader && !preview) return false;
    if (loader) {
      void loader.access.dispose();
      this.accessFor = undefined;
    }
    if (preview) this.closePreviewSession();
    return true;
  }

  /** The access dbt runs pause and resume: only an embedded warehouse must be released for dbt. */
  get current(): WarehouseAccess | undefined {
    return this.accessFor?.snowflake ? undefined : this.accessFor?.access;
  }

  dispose(): void {
    void this.accessFor?.access.dispose();
    this.closePreviewSession();
  }
}
