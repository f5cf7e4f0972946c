/**
 * Positions in a text as VS Code counts them (0-based line, 0-based UTF-16 character), and the
 * offsets the scanners work with. Pure: a shell converts `Position`/`Range` to `vscode.Position`/
 * `vscode.Range` one to one.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A half-open span of offsets into one text. */
export interface Span {
  start: number;
  end: number;
}

/** Offsets of line starts, for converting between offsets and positions in O(log lines). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  /** The position of an offset (clamped to the text). */
  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] as number) <= clamped) low = middle;
      else high = middle - 1;
    }
    return { line: low, character: clamped - (this.starts[low] as number) };
  }

  /** The offset of a position (clamped to its line and to the text, as VS Code's `offsetAt`). */
  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line] as number;
    const next = position.line + 1 < this.starts.length ? (this.starts[position.line + 1] as number) - 1 : this.text.length;
    // A CRLF line ends before its \r.
    const end = next > start && this.text[next - 1] === '\r' ? next - 1 : next;
    return Math.min(start + Math.max(0, position.character), end);
  }

  /** The range of a span. */
  range(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }
}

/** A dbt (and SQL) identifier: what a model, source or column name may be without quoting. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
