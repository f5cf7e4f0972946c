/**
 * The HTML of Medallion's webviews (the preview, the lineage): an empty body, one stylesheet, one
 * script with a fresh nonce, and a Content Security Policy that allows nothing else. No data is
 * ever written into it (that goes by `postMessage`). Pure, so the browser tests serve the very
 * same pages.
 */

export interface PreviewHtmlOptions {
  /** `webview.cspSource`: the origin of `asWebviewUri` resources. */
  cspSource: string;
  nonce: string;
  /** `asWebviewUri` of the webview's script (dist/webview/*.js) and stylesheet (media/*.css). */
  scriptUri: string;
  styleUri: string;
}

export interface WebviewHtmlOptions extends PreviewHtmlOptions {
  /** The document's title (the tab shows the panel's own title). */
  title: string;
}

/** A fresh random nonce (128 bits, base64url). */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}

/** The policy of every webview: scripts only with the nonce, styles, images and fonts only from the extension's folders. */
export function previewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The preview's whole document. */
export function previewHtml(options: PreviewHtmlOptions): string {
  return webviewHtml({ ...options, title: 'Preview' });
}

/** A webview's whole document. */
export function webviewHtml(options: WebviewHtmlOptions): string {
  const csp = escapeAttribute(previewCsp(options.cspSource, options.nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">
<title>${escapeAttribute(options.title)}</title>
</head>
<body>
<script nonce="${escapeAttribute(options.nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>
`;
}
