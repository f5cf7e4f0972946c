/**
 * The Snowflake side, bundled on its own with its driver (dist/snowflake.js, a few MB) and loaded
 * on first use through `loadSnowflake()`: neither activation nor a DuckDB-only CLI run pays for it.
 */
export { SnowflakeWarehouse } from './warehouse';
export { SnowflakeSession, configureDriverLogging } from './driver';
export { createSnowflakePreviewBackend } from './preview';
