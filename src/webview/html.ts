/**
 * The preview webview's HTML: an empty body, one stylesheet, one script with a fresh nonce, and
 * a Content Security Policy that allows nothing else. No data is ever written into it (that
 * goes by `postMessage`). Pure, so the browser test serves the very same page.
 */

export interface PreviewHtmlOptions {
  /** `webview.cspSource`: the origin of `asWebviewUri` resources. */
  cspSource: string;
  nonce: string;
  /** `asWebviewUri` of dist/webview/preview.js and media/preview.css. */
  scriptUri: string;
  styleUri: string;
}

/** A fresh random nonce (128 bits, base64url). */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}

/** The policy: scripts only with the nonce, styles, images and fonts only from the extension's folders. */
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

/** The whole document. */
export function previewHtml(options: PreviewHtmlOptions): string {
  const csp = escapeAttribute(previewCsp(options.cspSource, options.nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">
<title>Preview</title>
</head>
<body>
<script nonce="${escapeAttribute(options.nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>
`;
}
