/**
 * What a thrown value says, for messages, logs and status lines. Anything can be thrown (a
 * driver's plain object, a string), so callers never cast `error as Error`.
 */

/** The message of a thrown value: an Error's message, else the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of `errorMessage`, trimmed: what fits a notification, a tree item or a CLI line. */
export function errorLine(error: unknown): string {
  return errorMessage(error).split('\n', 1)[0]?.trim() ?? '';
}

/** True for the error an aborted operation rejects with (`AbortSignal`, fetch, our own cancellations). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
