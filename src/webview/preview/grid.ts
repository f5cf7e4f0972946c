/// <reference lib="dom" />
/**
 * A virtualized data grid: only the rows and columns in view (plus a small margin) are in the
 * DOM, so pages of thousands of rows and hundreds of columns scroll smoothly. The browser does
 * the scrolling (one sized scroll area; a sticky header row and a sticky row-number column);
 * the grid re-renders only when the visible window leaves the rendered one.
 *
 * Accessibility follows the ARIA grid pattern: the scroll area is the focusable `grid`, arrow
 * keys move the active cell (`aria-activedescendant`), Shift extends the selection, the header
 * row is reachable with ArrowUp and sorts with Enter or Space.
 */
import type { PreviewSort } from '../../warehouse/preview';
import type { ColumnProfile } from '../../warehouse/profile';
import type { PreviewValue, QueryColumn } from '../../core/values';
import { el } from './dom';
import { columnFormat, displayText, formatCount, type ColumnFormat } from './format';
import { PROFILE_HEIGHT, profileStrip } from './profile';
import { clampPosition, inBounds, rangeBounds, rangeSize, rangeValues, type CellPosition, type CellRange } from './selection';

export const ROW_HEIGHT = 22;
export const HEADER_HEIGHT = 42;
const OVERSCAN_ROWS = 12;
const OVERSCAN_COLUMNS = 3;
const MIN_WIDTH = 60;
const MIN_TEXT_WIDTH = 110;
const MAX_WIDTH = 360;
const MAX_RESIZED_WIDTH = 2000;
/** Rows sampled to size the columns. */
const MEASURE_ROWS = 100;
/** Horizontal padding plus the right border of a cell. */
const CELL_PADDING = 22;

export interface GridEvents {
  /** The user asked to sort by a column (header click, or Enter on a header); with Shift: move its NULLs to the other end. */
  sort(column: string, nulls: boolean): void;
  /** The selection changed; `cells` is 0 when nothing is selected. */
  selectionChange(cells: number): void;
  /** Ctrl/Cmd+C. */
  copy(): void;
  /** A click on a column's profile strip: show its chart. */
  chart(column: string): void;
}

interface RenderWindow {
  firstRow: number;
  lastRow: number;
  firstColumn: number;
  lastColumn: number;
}

export class Grid {
  /** The scroll area: role `grid`, focusable. */
  readonly element: HTMLDivElement;
  private readonly headerRow: HTMLDivElement;
  private readonly corner: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly probe: { cell: HTMLDivElement; name: HTMLDivElement; type: HTMLDivElement };
  private readonly canvas = document.createElement('canvas');

  private columns: QueryColumn[] = [];
  private formats: ColumnFormat[] = [];
  private rows: PreviewValue[][] = [];
  private offset = 0;
  private sort: PreviewSort | undefined;
  private widths: number[] = [];
  private lefts: number[] = [0];
  private rowNumberWidth = 48;

  /** Active cell; row -1 is the header row. */
  private active: CellPosition = { row: 0, col: 0 };
  private range: CellRange | undefined;
  private rendered: RenderWindow | undefined;
  private frame = 0;
  private dragging = false;
  /** Profiles by column name, shown under the headers; undefined: no profile strip. */
  private profiles: ReadonlyMap<string, ColumnProfile> | undefined;
  /** What a strip without a profile says ("Profiling…", "Cancelled"). */
  private profileNote = '';

  constructor(private readonly events: GridEvents) {
    this.element = el('div', 'grid');
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-multiselectable', 'true');
    this.element.setAttribute('aria-label', 'Rows');

    const header = el('div', 'grid-header');
    header.setAttribute('role', 'rowgroup');
    this.headerRow = el('div', 'header-row');
    this.headerRow.setAttribute('role', 'row');
    this.headerRow.setAttribute('aria-rowindex', '1');
    this.corner = el('div', 'corner', '#');
    this.corner.setAttribute('role', 'columnheader');
    this.corner.title = 'Select all (Ctrl+A)';
    header.append(this.headerRow);

    this.body = el('div', 'grid-body');
    this.body.setAttribute('role', 'rowgroup');

    this.probe = { cell: el('div', 'cell probe'), name: el('div', 'column-name probe'), type: el('div', 'column-type probe') };
    const probes = el('div', 'probes');
    probes.setAttribute('aria-hidden', 'true');
    probes.append(this.probe.cell, this.probe.name, this.probe.type);

    this.element.append(header, this.body, probes);
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.element.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    this.element.addEventListener('pointermove', (event) => this.onPointerMove(event));
    this.element.addEventListener('pointerup', () => (this.dragging = false));
    this.element.addEventListener('pointercancel', () => (this.dragging = false));
    this.element.addEventListener('focus', () => this.render(true));
    new ResizeObserver(() => this.render(true)).observe(this.element);
  }

  /** Shows a page. Column widths survive paging and sorting when the columns stay the same. */
  setData(columns: QueryColumn[], rows: PreviewValue[][], offset: number, sort: PreviewSort | undefined): void {
    const sameColumns =
      columns.length === this.columns.length && columns.every((column, i) => column.name === this.columns[i]?.name && column.type === this.columns[i]?.type);
    const moved = offset !== this.offset || sort?.column !== this.sort?.column || sort?.direction !== this.sort?.direction;
    this.columns = columns;
    this.formats = columns.map(columnFormat);
    this.rows = rows;
    this.offset = offset;
    this.sort = sort;
    if (!sameColumns) {
      this.widths = columns.map((column, i) => this.measure(column, i));
      this.element.scrollLeft = 0;
    }
    this.rowNumberWidth = Math.max(44, Math.ceil(this.textWidth(formatCount(offset + Math.max(rows.length, 1)), this.probe.cell)) + CELL_PADDING);
    this.range = undefined;
    this.active = clampPosition({ row: 0, col: sameColumns ? this.active.col : 0 }, rows.length, columns.length);
    if (moved || !sameColumns) this.element.scrollTop = 0;
    this.element.setAttribute('aria-colcount', String(columns.length + 1));
    this.layout();
    this.render(true);
    this.events.selectionChange(0);
  }

  /**
   * Shows column profiles under the headers (the header grows by `PROFILE_HEIGHT`), or none
   * (`undefined`). `note` is what a column without a profile yet says.
   */
  setProfiles(profiles: ReadonlyMap<string, ColumnProfile> | undefined, note = ''): void {
    const toggled = (profiles === undefined) !== (this.profiles === undefined);
    this.profiles = profiles;
    this.profileNote = note;
    // Shown or hidden, the header's height changes the rows in view; otherwise only the header changes.
    if (toggled || !this.rendered) this.render(true);
    else this.renderHeader(this.rendered);
  }

  /** Column names, the ones on screen first (what a profile computes first). */
  columnOrder(): string[] {
    const { firstColumn, lastColumn } = this.visibleWindow();
    const order = this.columns.map((_, i) => i);
    const visible = order.filter((i) => i >= firstColumn && i < lastColumn);
    return [...visible, ...order.filter((i) => i < firstColumn || i >= lastColumn)].map((i) => this.columns[i]?.name ?? '');
  }

  /** Height of the sticky header: the names and types, and the profile strips when shown. */
  private get headerHeight(): number {
    return HEADER_HEIGHT + (this.profiles ? PROFILE_HEIGHT : 0);
  }

  /** The row count of the whole result, for `aria-rowcount`. */
  setTotal(total: number | undefined): void {
    this.element.setAttribute('aria-rowcount', total === undefined ? '-1' : String(total + 1));
  }

  /** The selected values (or the active cell's), row by row. */
  selectedValues(): PreviewValue[][] {
    if (this.range) return rangeValues(this.rows, this.range);
    if (this.active.row < 0 || this.rows.length === 0 || this.columns.length === 0) return [];
    return rangeValues(this.rows, { anchor: this.active, focus: this.active });
  }

  /** Selects every cell of the page. */
  selectAll(): void {
    if (this.rows.length === 0 || this.columns.length === 0) return;
    this.setRange({ anchor: { row: 0, col: 0 }, focus: { row: this.rows.length - 1, col: this.columns.length - 1 } }, false);
  }

  focus(): void {
    this.element.focus({ preventScroll: true });
  }

  private textWidth(text: string, probe: HTMLElement): number {
    const context = this.canvas.getContext('2d');
    if (!context) return text.length * 7.5;
    // Not the `font` shorthand: it is empty whenever a longhand such as font-variant-numeric is set.
    const style = getComputedStyle(probe);
    context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return context.measureText(text).width;
  }

  /** A column wide enough for its header and the first values, within limits. */
  private measure(column: QueryColumn, index: number): number {
    let widest = Math.max(this.textWidth(column.name, this.probe.name) + 18, this.textWidth(column.type, this.probe.type));
    const format = this.formats[index] ?? { numeric: false, scale: undefined };
    const step = Math.max(1, Math.floor(this.rows.length / MEASURE_ROWS));
    for (let r = 0; r < this.rows.length && widest < MAX_WIDTH; r += step) {
      const text = displayText(this.rows[r]?.[index] ?? null, format);
      // Measuring is the slow part: skip texts too short to be wider than the widest so far.
      if (text.length * 16 > widest) widest = Math.max(widest, this.textWidth(text.slice(0, 80), this.probe.cell));
    }
    // Text on later pages is often longer than on the first: give text columns some room.
    return Math.min(MAX_WIDTH, Math.max(format.numeric ? MIN_WIDTH : MIN_TEXT_WIDTH, Math.ceil(widest) + CELL_PADDING));
  }

  private layout(): void {
    this.lefts = [0];
    for (const width of this.widths) this.lefts.push((this.lefts[this.lefts.length - 1] ?? 0) + width);
    const totalWidth = this.rowNumberWidth + (this.lefts[this.lefts.length - 1] ?? 0);
    this.headerRow.style.width = `${totalWidth}px`;
    this.body.style.width = `${totalWidth}px`;
    this.body.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.corner.style.width = `${this.rowNumberWidth}px`;
    this.rendered = undefined;
  }

  /** Index of the column at x (content pixels after the row numbers). */
  private columnAt(x: number): number {
    let low = 0;
    let high = this.widths.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lefts[mid] ?? 0) <= x) low = mid;
      else high = mid - 1;
    }
    return Math.max(0, low);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render(false);
    });
  }

  private visibleWindow(): RenderWindow {
    const top = this.element.scrollTop;
    const height = Math.max(0, this.element.clientHeight - this.headerHeight);
    const left = this.element.scrollLeft;
    const width = Math.max(0, this.element.clientWidth - this.rowNumberWidth);
    return {
      firstRow: Math.min(this.rows.length, Math.floor(top / ROW_HEIGHT)),
      lastRow: Math.min(this.rows.length, Math.ceil((top + height) / ROW_HEIGHT)),
      firstColumn: this.columnAt(left),
      lastColumn: Math.min(this.columns.length, this.columnAt(left + width) + 1),
    };
  }

  /** Renders the visible window plus a margin, unless the rendered window still covers it. */
  private render(force: boolean): void {
    const visible = this.visibleWindow();
    const current = this.rendered;
    if (
      !force &&
      current &&
      visible.firstRow >= current.firstRow &&
      visible.lastRow <= current.lastRow &&
      visible.firstColumn >= current.firstColumn &&
      visible.lastColumn <= current.lastColumn
    ) {
      return;
    }
    const range: RenderWindow = {
      firstRow: Math.max(0, visible.firstRow - OVERSCAN_ROWS),
      lastRow: Math.min(this.rows.length, visible.lastRow + OVERSCAN_ROWS),
      firstColumn: Math.max(0, visible.firstColumn - OVERSCAN_COLUMNS),
      lastColumn: Math.min(this.columns.length, visible.lastColumn + OVERSCAN_COLUMNS),
    };
    this.rendered = range;
    this.renderHeader(range);
    this.renderBody(range);
  }

  private renderHeader(shown: RenderWindow): void {
    const cells: HTMLElement[] = [this.corner];
    const activeHeader = this.active.row === -1;
    for (let c = shown.firstColumn; c < shown.lastColumn; c++) {
      const column = this.columns[c];
      if (!column) continue;
      const cell = el('div', 'header-cell');
      cell.setAttribute('role', 'columnheader');
      cell.setAttribute('aria-colindex', String(c + 2));
      cell.dataset.col = String(c);
      cell.id = `grid-header-${c}`;
      const sorted = this.sort?.column === column.name ? this.sort.direction : undefined;
      cell.setAttribute('aria-sort', sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none');
      if (sorted) cell.classList.add('sorted');
      if (this.formats[c]?.numeric) cell.classList.add('numeric');
      if (activeHeader && this.active.col === c) cell.classList.add('active');
      cell.style.left = `${this.rowNumberWidth + (this.lefts[c] ?? 0)}px`;
      cell.style.width = `${this.widths[c] ?? MIN_WIDTH}px`;
      const nullsFirst = this.sort?.column === column.name && this.sort.nulls === 'first';
      cell.title = `${column.name}\n${column.type}\nClick to sort · Shift+click: NULLs ${nullsFirst ? 'last' : 'first'}`;
      const name = el('div', 'column-name');
      const arrow = sorted === 'asc' ? '↑' : sorted === 'desc' ? '↓' : '';
      name.append(el('span', 'column-label', column.name), el('span', 'sort-indicator', arrow && nullsFirst ? `∅${arrow}` : arrow));
      const handle = el('div', 'resize-handle');
      handle.dataset.col = String(c);
      handle.setAttribute('aria-hidden', 'true');
      cell.append(name, el('div', 'column-type', column.type), handle);
      if (this.profiles) cell.append(profileStrip(this.profiles.get(column.name), this.formats[c] ?? { numeric: false, scale: undefined }, this.profileNote));
      cells.push(cell);
    }
    this.headerRow.replaceChildren(...cells);
  }

  private renderBody(shown: RenderWindow): void {
    const fragment = document.createDocumentFragment();
    const bounds = this.range ? rangeBounds(this.range) : undefined;
    let activeId: string | undefined;
    for (let r = shown.firstRow; r < shown.lastRow; r++) {
      const values = this.rows[r] ?? [];
      const row = el('div', 'row');
      row.setAttribute('role', 'row');
      row.setAttribute('aria-rowindex', String(this.offset + r + 2));
      row.style.top = `${r * ROW_HEIGHT}px`;
      if (r % 2 === 1) row.classList.add('odd');
      const number = el('div', 'row-number', formatCount(this.offset + r + 1));
      number.setAttribute('role', 'rowheader');
      number.dataset.row = String(r);
      number.style.width = `${this.rowNumberWidth}px`;
      if (bounds && r >= bounds.top && r <= bounds.bottom) number.classList.add('selected');
      row.append(number);
      for (let c = shown.firstColumn; c < shown.lastColumn; c++) {
        const value = values[c] ?? null;
        const format = this.formats[c] ?? { numeric: false, scale: undefined };
        const cell = el('div', 'cell', displayText(value, format));
        cell.setAttribute('role', 'gridcell');
        cell.setAttribute('aria-colindex', String(c + 2));
        cell.dataset.row = String(r);
        cell.dataset.col = String(c);
        cell.style.left = `${this.rowNumberWidth + (this.lefts[c] ?? 0)}px`;
        cell.style.width = `${this.widths[c] ?? MIN_WIDTH}px`;
        if (value === null) cell.classList.add('null');
        else if (format.numeric && typeof value === 'number') cell.classList.add('numeric');
        if (bounds && inBounds(bounds, r, c)) {
          cell.classList.add('selected');
          cell.setAttribute('aria-selected', 'true');
        }
        if (this.active.row === r && this.active.col === c) {
          cell.classList.add('active');
          cell.id = 'grid-active-cell';
          activeId = cell.id;
        }
        row.append(cell);
      }
      fragment.append(row);
    }
    this.body.replaceChildren(fragment);
    if (this.active.row === -1) activeId = `grid-header-${this.active.col}`;
    if (activeId) this.element.setAttribute('aria-activedescendant', activeId);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private setRange(range: CellRange | undefined, reveal = true): void {
    this.range = range;
    if (range) this.active = range.focus;
    if (reveal) this.reveal(this.active);
    this.render(true);
    this.events.selectionChange(range ? rangeSize(range) : 0);
  }

  /** Scrolls so that a cell is in view (not under the sticky header or row numbers). */
  private reveal(position: CellPosition): void {
    const viewport = this.element;
    if (position.row >= 0) {
      const y = position.row * ROW_HEIGHT;
      const height = viewport.clientHeight - this.headerHeight;
      if (y < viewport.scrollTop) viewport.scrollTop = y;
      else if (y + ROW_HEIGHT > viewport.scrollTop + height) viewport.scrollTop = y + ROW_HEIGHT - height;
    }
    const x = this.lefts[position.col] ?? 0;
    const width = this.widths[position.col] ?? 0;
    const visible = viewport.clientWidth - this.rowNumberWidth;
    if (x < viewport.scrollLeft || width > visible) viewport.scrollLeft = x;
    else if (x + width > viewport.scrollLeft + visible) viewport.scrollLeft = x + width - visible;
  }

  private onKey(event: KeyboardEvent): void {
    const mod = event.ctrlKey || event.metaKey;
    const rows = this.rows.length;
    const columns = this.columns.length;
    if (columns === 0) return;
    if (mod && (event.key === 'c' || event.key === 'C')) {
      event.preventDefault();
      this.events.copy();
      return;
    }
    if (mod && (event.key === 'a' || event.key === 'A')) {
      event.preventDefault();
      this.selectAll();
      return;
    }
    if (this.active.row === -1 && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      const column = this.columns[this.active.col];
      if (column) this.events.sort(column.name, event.shiftKey);
      return;
    }
    if (event.key === 'Escape' && this.range) {
      this.setRange(undefined);
      return;
    }
    const pageRows = Math.max(1, Math.floor((this.element.clientHeight - this.headerHeight) / ROW_HEIGHT) - 1);
    const from = event.shiftKey && this.range ? this.range.focus : this.active;
    let next: CellPosition | undefined;
    switch (event.key) {
      case 'ArrowUp':
        next = { row: Math.max(event.shiftKey ? 0 : -1, from.row - 1), col: from.col };
        break;
      case 'ArrowDown':
        next = { row: Math.min(rows - 1, from.row + 1), col: from.col };
        break;
      case 'ArrowLeft':
        next = { row: from.row, col: Math.max(0, from.col - 1) };
        break;
      case 'ArrowRight':
        next = { row: from.row, col: Math.min(columns - 1, from.col + 1) };
        break;
      case 'PageUp':
        next = { row: Math.max(0, from.row - pageRows), col: from.col };
        break;
      case 'PageDown':
        next = { row: Math.min(rows - 1, from.row + pageRows), col: from.col };
        break;
      case 'Home':
        next = mod ? { row: 0, col: 0 } : { row: from.row, col: 0 };
        break;
      case 'End':
        next = mod ? { row: rows - 1, col: columns - 1 } : { row: from.row, col: columns - 1 };
        break;
      default:
        return;
    }
    event.preventDefault();
    if (rows === 0) next = { row: -1, col: next.col };
    if (event.shiftKey && next.row >= 0) {
      const anchor = this.range?.anchor ?? (this.active.row >= 0 ? this.active : next);
      this.setRange({ anchor, focus: next });
      return;
    }
    this.active = next;
    this.reveal(next);
    this.setRange(next.row >= 0 ? { anchor: next, focus: next } : undefined, false);
  }

  private positionOf(target: EventTarget | null): { kind: 'cell' | 'row' | 'header' | 'corner' | 'resize' | 'profile'; row: number; col: number } | undefined {
    if (!(target instanceof Element)) return undefined;
    const element = target.closest<HTMLElement>('.cell, .row-number, .header-cell, .corner, .resize-handle');
    if (!element || element.classList.contains('probe')) return undefined;
    const row = Number(element.dataset.row ?? -1);
    const col = Number(element.dataset.col ?? -1);
    if (element.classList.contains('resize-handle')) return { kind: 'resize', row: -1, col };
    if (element.classList.contains('header-cell') && target.closest('.profile')) return { kind: 'profile', row: -1, col };
    if (element.classList.contains('cell')) return { kind: 'cell', row, col };
    if (element.classList.contains('row-number')) return { kind: 'row', row, col: -1 };
    if (element.classList.contains('header-cell')) return { kind: 'header', row: -1, col };
    return { kind: 'corner', row: -1, col: -1 };
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    const hit = this.positionOf(event.target);
    if (!hit) return;
    this.focus();
    const lastColumn = this.columns.length - 1;
    switch (hit.kind) {
      case 'resize':
        event.preventDefault();
        this.startResize(event, hit.col);
        return;
      case 'corner':
        this.selectAll();
        return;
      case 'profile': {
        const column = this.columns[hit.col];
        if (column) this.events.chart(column.name);
        return;
      }
      case 'header': {
        const column = this.columns[hit.col];
        this.active = { row: -1, col: hit.col };
        this.range = undefined;
        if (column) this.events.sort(column.name, event.shiftKey);
        this.render(true);
        return;
      }
      case 'row': {
        const anchorRow = event.shiftKey && this.range ? this.range.anchor.row : hit.row;
        this.setRange({ anchor: { row: anchorRow, col: 0 }, focus: { row: hit.row, col: lastColumn } }, false);
        return;
      }
      case 'cell': {
        event.preventDefault();
        const position = { row: hit.row, col: hit.col };
        const anchor = event.shiftKey ? (this.range?.anchor ?? (this.active.row >= 0 ? this.active : position)) : position;
        this.dragging = true;
        this.setRange({ anchor, focus: position }, false);
        return;
      }
    }
  }

  private onPointerMove(event: PointerEvent): void {
    if (!this.dragging || !this.range) return;
    const hit = this.positionOf(event.target);
    if (!hit || hit.kind !== 'cell') return;
    const focus = this.range.focus;
    if (focus.row !== hit.row || focus.col !== hit.col) this.setRange({ anchor: this.range.anchor, focus: { row: hit.row, col: hit.col } }, false);
  }

  /** Drags a column edge. Listens on the window: the handle itself is re-rendered while dragging. */
  private startResize(event: PointerEvent, col: number): void {
    const startX = event.clientX;
    const startWidth = this.widths[col] ?? MIN_WIDTH;
    this.element.classList.add('resizing');
    const move = (moved: PointerEvent): void => {
      this.widths[col] = Math.min(MAX_RESIZED_WIDTH, Math.max(40, startWidth + moved.clientX - startX));
      this.layout();
      this.render(true);
    };
    const end = (): void => {
      this.element.classList.remove('resizing');
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', end);
      window.removeEventListener('pointercancel', end);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', end);
    window.addEventListener('pointercancel', end);
  }
}
