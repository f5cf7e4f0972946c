/**
 * A tolerant SQL tokenizer for model files and compiled SQL: strings, quoted identifiers,
 * dollar-quoted text and comments are single tokens (so a parenthesis or comma inside them never
 * counts), and with `jinja` on, every `{{ }}`, `{% %}` and `{# #}` block is one opaque token.
 * Unfinished text (the user is typing) never throws: an unclosed token runs to the end and says so.
 */

export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'comment' | 'jinja';

export interface SqlToken {
  kind: SqlTokenKind;
  start: number;
  end: number;
  /** The token as written. */
  text: string;
  /** A word in lower case, a quoted identifier without its quotes; else the text. */
  value: string;
  /** False for a string, quoted identifier, comment or Jinja block cut off by the end of the text. */
  closed: boolean;
}

const isWordStart = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code > 127;
const isWordPart = (code: number): boolean => isWordStart(code) || (code >= 48 && code <= 57) || code === 36;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const TWO_CHAR = new Set(['::', '<=', '>=', '<>', '!=', '||', '->', '=>', ':=', '**', '//', '->>']);

/** Where a Jinja block that starts at `start` (on `{{`, `{%` or `{#`) ends, strings inside it honoured. */
export function jinjaBlockEnd(text: string, start: number): { end: number; closed: boolean } {
  const kind = text[start + 1];
  if (kind === '#') {
    const close = text.indexOf('#}', start + 2);
    return close < 0 ? { end: text.length, closed: false } : { end: close + 2, closed: true };
  }
  const closer = kind === '{' ? '}}' : '%}';
  let at = start + 2;
  while (at < text.length) {
    const char = text[at];
    if (char === '"' || char === "'") {
      at = pythonStringEnd(text, at).end;
      continue;
    }
    if (char === closer[0] && text[at + 1] === '}') return { end: at + 2, closed: true };
    at++;
  }
  return { end: text.length, closed: false };
}

/** The end of a Python/Jinja string literal starting at `start` (backslash escapes). */
export function pythonStringEnd(text: string, start: number): { end: number; closed: boolean } {
  const quote = text[start];
  for (let at = start + 1; at < text.length; at++) {
    const char = text[at];
    if (char === '\\') at++;
    else if (char === quote) return { end: at + 1, closed: true };
    else if (char === '\n') return { end: at, closed: false };
  }
  return { end: text.length, closed: false };
}

function delimited(text: string, start: number, quote: string): { end: number; closed: boolean } {
  // SQL doubles the quote to escape it.
  let at = start + 1;
  while (at < text.length) {
    const close = text.indexOf(quote, at);
    if (close < 0) return { end: text.length, closed: false };
    if (text[close + 1] === quote) {
      at = close + 2;
      continue;
    }
    return { end: close + 1, closed: true };
  }
  return { end: text.length, closed: false };
}

/** Tokens of `text`, whitespace left out. */
export function tokenizeSql(text: string, options: { jinja?: boolean } = {}): SqlToken[] {
  const tokens: SqlToken[] = [];
  const jinja = options.jinja ?? true;
  const push = (kind: SqlTokenKind, start: number, end: number, closed = true, value?: string): void => {
    const raw = text.slice(start, end);
    tokens.push({ kind, start, end, text: raw, value: value ?? (kind === 'word' ? raw.toLowerCase() : raw), closed });
  };
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    const char = text[at] as string;
    const next = text[at + 1];
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 12) {
      at++;
    } else if (jinja && char === '{' && (next === '{' || next === '%' || next === '#')) {
      const { end, closed } = jinjaBlockEnd(text, at);
      push('jinja', at, end, closed);
      at = end;
    } else if (char === '-' && next === '-') {
      const newline = text.indexOf('\n', at);
      const end = newline < 0 ? text.length : newline;
      push('comment', at, end);
      at = end;
    } else if (char === '/' && next === '*') {
      const close = text.indexOf('*/', at + 2);
      const end = close < 0 ? text.length : close + 2;
      push('comment', at, end, close >= 0);
      at = end;
    } else if (char === "'") {
      const { end, closed } = delimited(text, at, "'");
      push('string', at, end, closed);
      at = end;
    } else if (char === '"' || char === '`') {
      const { end, closed } = delimited(text, at, char);
      const inner = text.slice(at + 1, closed ? end - 1 : end).split(char + char).join(char);
      push('quoted', at, end, closed, inner);
      at = end;
    } else if (char === '$' && /^\$[A-Za-z_]*\$/.test(text.slice(at, at + 64))) {
      const tag = (/^\$[A-Za-z_]*\$/.exec(text.slice(at, at + 64)) as RegExpExecArray)[0];
      const close = text.indexOf(tag, at + tag.length);
      const end = close < 0 ? text.length : close + tag.length;
      push('string', at, end, close >= 0);
      at = end;
    } else if (isWordStart(code)) {
      let end = at + 1;
      while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
      push('word', at, end);
      at = end;
    } else if (isDigit(code) || (char === '.' && next !== undefined && isDigit(next.charCodeAt(0)))) {
      let end = at + 1;
      while (end < text.length && (isDigit(text.charCodeAt(end)) || text[end] === '.' || text[end] === '_')) end++;
      if ((text[end] === 'e' || text[end] === 'E') && /[-+\d]/.test(text[end + 1] ?? '')) {
        end += 2;
        while (end < text.length && isDigit(text.charCodeAt(end))) end++;
      }
      push('number', at, end);
      at = end;
    } else {
      const three = text.slice(at, at + 3);
      const two = text.slice(at, at + 2);
      const length = TWO_CHAR.has(three) ? 3 : TWO_CHAR.has(two) ? 2 : 1;
      push('punct', at, at + length);
      at += length;
    }
  }
  return tokens;
}

/** The tokens that carry meaning (comments dropped). */
export const significant = (tokens: readonly SqlToken[]): SqlToken[] => tokens.filter((token) => token.kind !== 'comment');

/** For each token index, the index of the token that closes its parenthesis (or -1), one pass. */
export function matchParens(tokens: readonly SqlToken[]): Int32Array {
  const closing = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  tokens.forEach((token, index) => {
    if (token.kind !== 'punct') return;
    if (token.text === '(') stack.push(index);
    else if (token.text === ')') {
      const open = stack.pop();
      if (open !== undefined) closing[open] = index;
    }
  });
  return closing;
}

/** Whether a token is the keyword `word` (case-insensitive). */
export const isKeyword = (token: SqlToken | undefined, ...words: string[]): boolean => token?.kind === 'word' && words.includes(token.value);

/** The name a word or quoted token stands for, as DuckDB compares them (case-insensitive). */
export const identifierKey = (token: SqlToken): string => (token.kind === 'quoted' ? token.value.toLowerCase() : token.value);
