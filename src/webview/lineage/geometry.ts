/**
 * The lineage drawing's geometry: node boxes, the viewport (pan and zoom), what is on screen, the
 * edges' paths, and the paths through the graph a hover lights up. Pure (no DOM), so the unit
 * tests check it in Node.
 */

import { LINEAGE_LAYOUT } from '../lineageProtocol';

/** Node boxes inside the layout's cells, with room for the edges between them. */
export const NODE_WIDTH = LINEAGE_LAYOUT.columnWidth - 40;
export const NODE_HEIGHT = LINEAGE_LAYOUT.rowHeight - 14;

/** Screen = world × k + (x, y). */
export interface Viewport {
  x: number;
  y: number;
  k: number;
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Zoom limits: the overview of any project, and twice the natural size. */
export const MAX_ZOOM = 2;
export const MIN_ZOOM = 0.01;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** The viewport that shows `bounds` whole in a `width` × `height` screen, at most at natural size. */
export function fitViewport(bounds: Rect, width: number, height: number, padding = 24): Viewport {
  const w = Math.max(1, bounds.x1 - bounds.x0);
  const h = Math.max(1, bounds.y1 - bounds.y0);
  const k = clamp(Math.min((width - 2 * padding) / w, (height - 2 * padding) / h), MIN_ZOOM, 1);
  return { k, x: (width - w * k) / 2 - bounds.x0 * k, y: Math.max(padding, (height - h * k) / 2) - bounds.y0 * k };
}

/** The viewport that shows the full width of `bounds`, its top at the top of the screen (a tall graph read like a page). */
export function fitWidthViewport(bounds: Rect, width: number, padding = 24): Viewport {
  const w = Math.max(1, bounds.x1 - bounds.x0);
  const k = clamp((width - 2 * padding) / w, MIN_ZOOM, 1);
  return { k, x: (width - w * k) / 2 - bounds.x0 * k, y: padding - bounds.y0 * k };
}

/** Zooms by `factor` keeping the world point under the screen point (px, py) in place. */
export function zoomAt(view: Viewport, factor: number, px: number, py: number): Viewport {
  const k = clamp(view.k * factor, MIN_ZOOM, MAX_ZOOM);
  const wx = (px - view.x) / view.k;
  const wy = (py - view.y) / view.k;
  return { k, x: px - wx * k, y: py - wy * k };
}

/** The viewport that puts the world point (wx, wy) in the middle of the screen at zoom `k`. */
export function centreAt(wx: number, wy: number, width: number, height: number, k: number): Viewport {
  return { k, x: width / 2 - wx * k, y: height / 2 - wy * k };
}

/** The part of the world on screen, grown by `margin` screen pixels on every side. */
export function visibleRect(view: Viewport, width: number, height: number, margin = 0): Rect {
  return { x0: (-margin - view.x) / view.k, y0: (-margin - view.y) / view.k, x1: (width + margin - view.x) / view.k, y1: (height + margin - view.y) / view.k };
}

export const intersects = (a: Rect, b: Rect): boolean => a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;

/** The box of a node centred at (x, y). */
export const nodeRect = (x: number, y: number): Rect => ({ x0: x - NODE_WIDTH / 2, y0: y - NODE_HEIGHT / 2, x1: x + NODE_WIDTH / 2, y1: y + NODE_HEIGHT / 2 });

/** The bounding box of a flat point list (x0, y0, x1, y1, …). */
export function pointsRect(points: readonly number[]): Rect {
  const rect = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (let at = 0; at + 1 < points.length; at += 2) {
    const x = points[at] as number;
    const y = points[at + 1] as number;
    rect.x0 = Math.min(rect.x0, x);
    rect.x1 = Math.max(rect.x1, x);
    rect.y0 = Math.min(rect.y0, y);
    rect.y1 = Math.max(rect.y1, y);
  }
  return rect;
}

const round = (value: number): number => Math.round(value * 10) / 10;

/**
 * An edge's SVG path: the routed polyline from the side of the source box to the side of the
 * target box (left or right, whichever faces the way it runs), each segment a curve with level
 * ends so the edge leaves and enters the boxes horizontally.
 */
export function edgePath(points: readonly number[]): string {
  const count = Math.floor(points.length / 2);
  if (count < 2) return '';
  const xs: number[] = [];
  const ys: number[] = [];
  for (let at = 0; at < count; at++) {
    xs.push(points[2 * at] as number);
    ys.push(points[2 * at + 1] as number);
  }
  const half = NODE_WIDTH / 2;
  const [first, second, last, beforeLast] = [xs[0] as number, xs[1] as number, xs[count - 1] as number, xs[count - 2] as number];
  xs[0] = first + (second >= first ? half : -half);
  xs[count - 1] = last + (beforeLast <= last ? -half : half);
  let d = `M${round(xs[0])},${round(ys[0] as number)}`;
  for (let at = 1; at < count; at++) {
    const [x0, y0, x1, y1] = [xs[at - 1] as number, ys[at - 1] as number, xs[at] as number, ys[at] as number];
    const bend = (x1 - x0) / 2;
    d += ` C${round(x0 + bend)},${round(y0)} ${round(x1 - bend)},${round(y1)} ${round(x1)},${round(y1)}`;
  }
  return d;
}

/** Every node reachable from `start` along `links` (not `start` itself unless on a cycle). */
export function reachable(start: string, links: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    for (const next of links.get(stack.pop() as string) ?? []) {
      if (found.has(next)) continue;
      found.add(next);
      stack.push(next);
    }
  }
  return found;
}
