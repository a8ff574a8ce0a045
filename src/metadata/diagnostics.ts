/** Problems found in metadata: data until the CLI prints them as `file:line:col /pointer: message`. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer into the document, e.g. /columns/2/type ("" for the whole document) */
  readonly pointer: string;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.pointer || '/'}: ${d.message}`;
}

/** Stable order for output: by file, then position, then pointer and message. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      compare(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compare(a.pointer, b.pointer) ||
      compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Characters a terminal would not show as themselves (JSON.stringify already escapes C0 controls). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/**
 * A value quoted for a message: JSON, with every control, format (bidi, zero-width), private-use, unassigned and
 * line-separator character escaped as \uXXXX, so metadata can never reorder or hide text in a terminal or CI log.
 */
export function quoteForMessage(value: unknown): string | undefined {
  return JSON.stringify(value)?.replace(INVISIBLE, (ch) =>
    [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
