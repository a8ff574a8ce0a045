/**
 * A pure statement splitter for Snowflake SQL files (what `apply` runs one statement at a time).
 *
 * Statement span: a statement starts at its first significant character (not whitespace, not a comment) and ends
 * after its last significant character before the terminating `;` (or the end of the file). So:
 *   - comments directly before a statement (a header such as `-- create the stage`) are NOT part of its text;
 *   - comments inside the statement are kept verbatim (they may document a column and are harmless to run);
 *   - comments between the last token and the `;` are dropped, as is the `;` itself;
 *   - text is otherwise byte-for-byte the source, CRLF included, so `$$` bodies reach Snowflake unchanged.
 * `line`/`column` are 1-based and point at the statement's first significant character. Columns count UTF-16 code
 * units; a leading byte-order mark is ignored. CRLF, LF and a lone CR each end a line.
 *
 * Lexical rules (snowflake.md section 8):
 *   - `'...'`: `''` is an escaped quote AND backslash escapes are active, so `\x` always consumes the next character
 *     (`'it\'s'`, `'a\\'`, a backslash-newline);
 *   - `"..."`: `""` is an escaped quote, no backslash escapes;
 *   - `--` and `//` comments run to the end of the line; `/* *\/` comments do not nest;
 *   - `$$...$$`: literal text up to the next `$$` (Snowflake forbids `$$` inside), wherever `$$` appears outside the
 *     constructs above, like the Snowflake connectors' own splitters. Snowflake Scripting blocks
 *     (`BEGIN ... END`) must therefore be wrapped in `$$` / `EXECUTE IMMEDIATE $$...$$`, as the docs require for
 *     every client other than Snowsight.
 * Empty statements (`;;`) and a comment-only tail are skipped.
 *
 * Errors are data: an unterminated string, identifier, comment or `$$` consumes the rest of the input, is reported
 * at its opening position, and the statement it belongs to is left out (it could not be run as written).
 */

export interface SqlStatement {
  /** statement text without surrounding comments/whitespace and without the terminating `;` */
  text: string;
  /** 1-based line of the first significant character */
  line: number;
  /** 1-based column of the first significant character */
  column: number;
}

export interface SplitError {
  line: number;
  column: number;
  message: string;
}

export interface SplitResult {
  statements: SqlStatement[];
  errors: SplitError[];
}

/** Where a token ends, or which construct was left open. */
type ScanResult = { end: number } | { unterminated: string };

const BYTE_ORDER_MARK = '\uFEFF';

export function splitStatements(sql: string): SplitResult {
  const locate = positionFinder(sql);
  const statements: SqlStatement[] = [];
  const errors: SplitError[] = [];
  let start = -1;
  let end = -1;
  const flush = (): void => {
    if (start >= 0) statements.push({ text: sql.slice(start, end), ...locate(start) });
    start = -1;
  };

  let i = sql.startsWith(BYTE_ORDER_MARK) ? 1 : 0;
  while (i < sql.length) {
    const ch = sql.charAt(i);
    if (ch === ';') {
      flush();
      i++;
      continue;
    }
    if (isWhitespace(ch)) {
      i++;
      continue;
    }
    const comment = scanComment(sql, i);
    const scanned = comment ?? scanToken(sql, i);
    if ('unterminated' in scanned) {
      errors.push({ ...locate(i), message: `unterminated ${scanned.unterminated}` });
      return { statements, errors };
    }
    if (comment === undefined) {
      if (start < 0) start = i;
      end = scanned.end;
    }
    i = scanned.end;
  }
  flush();
  return { statements, errors };
}

/** A comment at `i`, or undefined when there is none. */
function scanComment(sql: string, i: number): ScanResult | undefined {
  if (sql.startsWith('/*', i)) return scanUntil(sql, i + 2, '*/', 'block comment');
  if (sql.startsWith('--', i) || sql.startsWith('//', i)) return { end: lineEnd(sql, i) };
  return undefined;
}

/** One significant token (a string, identifier or `$$` body as a whole) or a single other character. */
function scanToken(sql: string, i: number): ScanResult {
  const ch = sql.charAt(i);
  if (ch === "'") return scanSingleQuoted(sql, i);
  if (ch === '"') return scanQuotedIdentifier(sql, i);
  if (sql.startsWith('$$', i)) return scanUntil(sql, i + 2, '$$', '$$ string');
  return { end: i + 1 };
}

/** `'...'` with `''` doubling and backslash escapes: a backslash always swallows the following character. */
function scanSingleQuoted(sql: string, open: number): ScanResult {
  let i = open + 1;
  while (i < sql.length) {
    const ch = sql.charAt(i);
    if (ch === '\\') {
      i += 2;
    } else if (ch === "'") {
      if (sql.charAt(i + 1) !== "'") return { end: i + 1 };
      i += 2;
    } else {
      i++;
    }
  }
  return { unterminated: 'string literal' };
}

/** `"..."`: the only escape is a doubled quote (`"a""b"`). */
function scanQuotedIdentifier(sql: string, open: number): ScanResult {
  let i = open + 1;
  for (;;) {
    const close = sql.indexOf('"', i);
    if (close < 0) return { unterminated: 'quoted identifier' };
    if (sql.charAt(close + 1) !== '"') return { end: close + 1 };
    i = close + 2;
  }
}

function scanUntil(sql: string, from: number, terminator: string, what: string): ScanResult {
  const close = sql.indexOf(terminator, from);
  return close < 0 ? { unterminated: what } : { end: close + terminator.length };
}

/** Index of the line break ending the line that contains `i` (the break itself is whitespace). */
function lineEnd(sql: string, i: number): number {
  for (let j = i; j < sql.length; j++) {
    const ch = sql.charAt(j);
    if (ch === '\n' || ch === '\r') return j;
  }
  return sql.length;
}

function isWhitespace(ch: string): boolean {
  return /\s/u.test(ch);
}

/** Maps a string index to a 1-based line and column, treating CRLF, LF and lone CR as one line break each. */
function positionFinder(sql: string): (index: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = 0; i < sql.length; i++) {
    const ch = sql.charAt(i);
    if (ch === '\n' || (ch === '\r' && sql.charAt(i + 1) !== '\n')) lineStarts.push(i + 1);
  }
  const bom = sql.startsWith(BYTE_ORDER_MARK) ? 1 : 0;
  return (index) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    const lineStart = lineStarts[low] ?? 0;
    const column = index - lineStart + 1 - (low === 0 ? bom : 0);
    return { line: low + 1, column };
  };
}
