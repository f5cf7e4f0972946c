import { main } from './src/cli/main';
process.on('beforeExit', () => console.error('beforeExit: event loop empty'));
process.env.MEDALLION_FAILPOINT = 'journal@2=enospc';
void main(['simulate', '-n', '600', '--batch-size', '200', '--upload', '--warehouse', '/tmp/jt/w.duckdb']).then((code) => console.error('exit code', code));
