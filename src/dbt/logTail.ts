/**
 * Follows dbt's JSON log file while dbt writes it: polls for new bytes (fs.watch misses
 * appends on some file systems and in containers), decodes UTF-8 across read boundaries and
 * hands over complete lines. Node only, no VS Code.
 */
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { LineSplitter } from './logs';

const CHUNK = 1 << 20;

/** Size of a file, 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

export interface LogTailOptions {
  /** Byte offset to start at (the size before the run, when the file already held an older run). */
  offset?: number;
  intervalMs?: number;
}

export class LogTail {
  private offset: number;
  private readonly splitter = new LineSplitter();
  private decoder = new StringDecoder('utf8');
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly file: string,
    private readonly onLines: (lines: string[]) => void,
    private readonly options: LogTailOptions = {},
  ) {
    this.offset = options.offset ?? 0;
  }

  /** Starts polling. */
  start(): this {
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs ?? 250);
    return this;
  }

  /** Reads what was appended since the last read (polls never overlap). */
  poll(): Promise<void> {
    this.pending = this.pending.then(() => this.readNew()).catch(() => undefined);
    return this.pending;
  }

  /** Stops polling after reading everything left, including a last line without a newline. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.poll();
    if (this.stopped) return;
    this.stopped = true;
    const rest = [...this.splitter.push(this.decoder.end()), ...this.splitter.end()];
    if (rest.length > 0) this.onLines(rest);
  }

  private async readNew(): Promise<void> {
    if (this.stopped) return;
    const size = await fileSize(this.file);
    if (size < this.offset) {
      // Replaced or truncated: a new file begins.
      this.offset = 0;
      this.splitter.reset();
      this.decoder = new StringDecoder('utf8');
    }
    if (size === this.offset) return;
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(CHUNK, size - this.offset));
      while (this.offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = this.splitter.push(this.decoder.write(buffer.subarray(0, bytesRead)));
        if (lines.length > 0) this.onLines(lines);
      }
    } finally {
      await handle.close();
    }
  }
}
