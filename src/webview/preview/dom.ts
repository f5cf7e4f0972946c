/// <reference lib="dom" />
/**
 * The few DOM helpers the preview builds its page with. Text only ever goes in through
 * `textContent`; there is no HTML parsing anywhere in the webview.
 */

/** An element with a class and, optionally, text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** 16×16 line icons, drawn with the current text colour. */
const ICONS = {
  refresh: ['M13.5 8A5.5 5.5 0 1 1 11.9 4.1', 'M12.5 1.5V4.5H9.5'],
  copy: ['M5.5 5.5h8v9h-8z', 'M3.5 11.5h-1v-10h8v1'],
  export: ['M8 1.5v9', 'M4.5 7 8 10.5 11.5 7', 'M2.5 14.5h11'],
  first: ['M3.5 3.5v9', 'M12 3.5 7.5 8l4.5 4.5'],
  prev: ['M10.5 3.5 6 8l4.5 4.5'],
  next: ['M5.5 3.5 10 8l-4.5 4.5'],
  last: ['M12.5 3.5v9', 'M4 3.5 8.5 8 4 12.5'],
  table: ['M1.5 2.5h13v11h-13z', 'M1.5 6h13', 'M6 6v7.5'],
  chart: ['M1.5 14.5h13', 'M3.5 12.5v-4', 'M7 12.5v-9', 'M10.5 12.5v-6', 'M14 12.5v-2'],
  stop: ['M4.5 4.5h7v7h-7z'],
  error: ['M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M8 4.5v4.5', 'M8 11v.5'],
  empty: ['M1.5 2.5h13v11h-13z', 'M1.5 6h13', 'M5 9.5h6'],
  pin: ['M6 1.5h4', 'M7 1.5v5l-2.5 3h7l-2.5-3v-5', 'M8 9.5v5'],
  info: ['M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M8 7v4.5', 'M8 4.5v.5'],
  profile: ['M1.5 1.5h13v4h-13z', 'M3.5 14.5v-4', 'M6.5 14.5v-6.5', 'M9.5 14.5v-2.5', 'M12.5 14.5v-5'],
} as const;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName): SVGSVGElement {
  const root = svg('svg', { viewBox: '0 0 16 16', width: 16, height: 16, class: 'icon', 'aria-hidden': 'true', focusable: 'false' });
  for (const d of ICONS[name]) root.append(svg('path', { d }));
  return root;
}

/** A toolbar button with an icon, a label (shown or as tooltip) and an action. */
export function button(label: string, iconName: IconName | undefined, onClick: () => void, options: { showLabel?: boolean; className?: string } = {}): HTMLButtonElement {
  const element = el('button', `button ${options.className ?? ''}`.trim());
  element.type = 'button';
  if (iconName) element.append(icon(iconName));
  if (options.showLabel !== false) element.append(el('span', 'label', label));
  else element.setAttribute('aria-label', label);
  element.title = label;
  element.addEventListener('click', onClick);
  return element;
}
