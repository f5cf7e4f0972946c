/** A rectangular cell selection of the grid. Pure, so the unit tests check it in Node. */
import type { PreviewValue } from '../../core/values';

/** A cell of the page: `row` within the page (0-based), `col` within the columns. */
export interface CellPosition {
  row: number;
  col: number;
}

/** From the cell first clicked (anchor) to the one shift-clicked or moved to (focus). */
export interface CellRange {
  anchor: CellPosition;
  focus: CellPosition;
}

export interface Bounds {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function rangeBounds(range: CellRange): Bounds {
  return {
    top: Math.min(range.anchor.row, range.focus.row),
    bottom: Math.max(range.anchor.row, range.focus.row),
    left: Math.min(range.anchor.col, range.focus.col),
    right: Math.max(range.anchor.col, range.focus.col),
  };
}

export const inBounds = (bounds: Bounds, row: number, col: number): boolean =>
  row >= bounds.top && row <= bounds.bottom && col >= bounds.left && col <= bounds.right;

/** Number of cells in a range. */
export function rangeSize(range: CellRange): number {
  const b = rangeBounds(range);
  return (b.bottom - b.top + 1) * (b.right - b.left + 1);
}

/** The values of a range, row by row (cells past the page are left out). */
export function rangeValues(rows: readonly (readonly PreviewValue[])[], range: CellRange): PreviewValue[][] {
  const b = rangeBounds(range);
  const out: PreviewValue[][] = [];
  for (let r = Math.max(0, b.top); r <= b.bottom && r < rows.length; r++) {
    const row = rows[r] ?? [];
    out.push(row.slice(Math.max(0, b.left), b.right + 1).map((value) => value ?? null));
  }
  return out;
}

/** Keeps a position inside a page of `rowCount` × `colCount` cells. */
export function clampPosition(position: CellPosition, rowCount: number, colCount: number): CellPosition {
  return {
    row: Math.min(Math.max(position.row, 0), Math.max(rowCount - 1, 0)),
    col: Math.min(Math.max(position.col, 0), Math.max(colCount - 1, 0)),
  };
}
