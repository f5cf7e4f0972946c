/**
 * Progress of long CLI runs, on stderr: on a terminal a bar redrawn at most ten times a second;
 * piped (cron, CI logs) a plain line every few seconds, so a long run never looks hung. A run
 * that will take longer than half an hour says so, with its estimate, once its rate is known.
 */

/** Where progress goes: a stream, and whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Piped: a line at most this often. */
const LINE_EVERY_MS = 5_000;
/** The rate is trusted for an estimate after this long. */
const ESTIMATE_AFTER_MS = 2_000;
/** Runs expected to last longer than this get an estimate. */
const LONG_RUN_MS = 30 * 60_000;

/** `2 h 05 min`, `12 min`, `40 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export class ProgressBar {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly started: number;
  private drawn = false;
  private estimated = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  update(done: number, total: number): void {
    const now = this.clock();
    const elapsed = now - this.started;
    const rate = elapsed > 0 ? (done / elapsed) * 1000 : 0;
    const left = rate > 0 ? ((total - done) / rate) * 1000 : Number.POSITIVE_INFINITY;
    if (!this.estimated && elapsed >= ESTIMATE_AFTER_MS && done > 0 && left > LONG_RUN_MS) {
      this.estimated = true;
      this.clear();
      this.stream.write(
        `${this.label}: ${total.toLocaleString('en-US')} purchases at about ${Math.round(rate).toLocaleString('en-US')}/s will take about ` +
          `${formatDuration(left + elapsed)}; Ctrl-C stops it safely (what is written stays, the next run continues)\n`,
      );
    }
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const figures =
      `${Math.floor(ratio * 100)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.round(rate).toLocaleString('en-US')}/s` +
      (Number.isFinite(left) && done < total ? `, ${formatDuration(left)} left)` : ')');
    if (this.stream.isTTY) {
      if (now - this.lastDraw < 100 && done < total) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(ratio * width);
      this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}\x1b[K`);
      this.drawn = true;
      return;
    }
    if (now - this.lastDraw < LINE_EVERY_MS || done >= total) return;
    // The first line comes after a full interval: short runs print none.
    if (this.lastDraw === Number.NEGATIVE_INFINITY) {
      this.lastDraw = this.started;
      if (now - this.lastDraw < LINE_EVERY_MS) return;
    }
    this.lastDraw = now;
    this.stream.write(`${this.label}: ${figures}\n`);
  }

  /** A line of its own (a note), keeping the bar intact. */
  note(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  private clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Clears the bar so the summary starts on a clean line. */
  done(): void {
    this.clear();
  }
}
