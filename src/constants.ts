/** Every id the extension and its package.json share: commands, views, settings, context keys. */

export const EXTENSION_ID = 'medallion.medallion';
export const OUTPUT_CHANNEL = 'Medallion';

export const Commands = {
  showOutput: 'medallion.showOutput',
} as const;
