/// <reference lib="dom" />
/** 16×16 line icons of the lineage view, drawn with the current text colour. */
import { svg } from '../preview/dom';

const ICONS = {
  search: ['M6.5 1.5a5 5 0 1 0 0 10a5 5 0 1 0 0-10z', 'M10 10l4.5 4.5'],
  fit: ['M1.5 5.5v-4h4', 'M10.5 1.5h4v4', 'M14.5 10.5v4h-4', 'M5.5 14.5h-4v-4'],
  zoomIn: ['M8 3v10', 'M3 8h10'],
  zoomOut: ['M3 8h10'],
  refresh: ['M13.5 8A5.5 5.5 0 1 1 11.9 4.1', 'M12.5 1.5V4.5H9.5'],
  focus: ['M8 1.5v3', 'M8 11.5v3', 'M1.5 8h3', 'M11.5 8h3', 'M8 5.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5z'],
  project: ['M1.5 2.5h4v3h-4z', 'M10.5 2.5h4v3h-4z', 'M6 10.5h4v3h-4z', 'M5.5 4h5', 'M3.5 5.5v3.5h4.5v1.5', 'M12.5 5.5v3.5h-4.5'],
  follow: ['M1.5 8s2.5-4.5 6.5-4.5s6.5 4.5 6.5 4.5s-2.5 4.5-6.5 4.5s-6.5-4.5-6.5-4.5z', 'M8 6a2 2 0 1 0 0 4a2 2 0 1 0 0-4z'],
  open: ['M3.5 1.5h6l3 3v10h-9z', 'M9.5 1.5v3h3'],
  preview: ['M1.5 2.5h13v11h-13z', 'M1.5 6h13', 'M6 6v7.5'],
  build: ['M4.5 2.5v11l9-5.5z'],
  downstream: ['M2.5 2.5v11l7-5.5z', 'M11.5 4.5v7', 'M14 9l-2.5 2.5L9 9'],
  close: ['M3.5 3.5l9 9', 'M12.5 3.5l-9 9'],
  column: ['M2.5 1.5h11v13h-11z', 'M2.5 5.5h11', 'M2.5 9.5h11'],
} as const;

export type LineageIcon = keyof typeof ICONS;

export function lineageIcon(name: LineageIcon): SVGSVGElement {
  const root = svg('svg', { viewBox: '0 0 16 16', width: 16, height: 16, class: 'icon', 'aria-hidden': 'true', focusable: 'false' });
  for (const d of ICONS[name]) root.append(svg('path', { d }));
  return root;
}
