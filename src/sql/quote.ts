/**
 * The one place where snowstage turns names and values into SQL text. Templates never quote by hand: the
 * render view model carries strings produced here, so a name from metadata can never inject SQL.
 */
import type { QualifiedName } from '../model/types.js';

/** Snowflake's limit for quoted and unquoted identifiers alike (reference §8). */
export const MAX_IDENTIFIER_LENGTH = 255;

/**
 * A double-quoted Snowflake identifier. Always quoted, so case is exact and any character is safe;
 * an embedded `"` is doubled. Names are upper-cased by the model first, so `"BOOKS"` reads like `books`.
 */
export function identifier(name: string): string {
  if (name.length === 0) throw new Error('an identifier cannot be empty');
  // code points: counted only when the UTF-16 length could exceed the limit (no array per name otherwise)
  if (name.length > MAX_IDENTIFIER_LENGTH && [...name].length > MAX_IDENTIFIER_LENGTH)
    throw new Error(`identifier longer than ${MAX_IDENTIFIER_LENGTH}`);
  if (name.includes('\0')) throw new Error('an identifier cannot contain NUL');
  return name.includes('"') ? `"${name.replaceAll('"', '""')}"` : `"${name}"`;
}

/** database.schema.object, each part quoted separately (reference §8: `"My.DB"."Sch"."T.1"`). */
export function qualified(name: QualifiedName): string {
  return [name.database, name.schema, name.name].map(identifier).join('.');
}

/** database.schema */
export function qualifiedSchema(database: string, schema: string): string {
  return `${identifier(database)}.${identifier(schema)}`;
}

const CONTROL_ESCAPES: Record<string, string> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** a backslash, a quote or a control character (below U+0020) */
function needsEscape(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x5c || code === 0x27) return true;
  }
  return false;
}

/**
 * A single-quoted Snowflake string literal. Backslash escapes are active inside Snowflake literals, so `\` is
 * doubled before `'` is doubled (pitfall 8); control characters become escapes so a literal stays on one line.
 */
export function literal(value: string): string {
  // most values (names, paths) need no escape: no backslash, quote or control character
  if (!needsEscape(value)) return `'${value}'`;
  let out = '';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "''";
    else if (ch in CONTROL_ESCAPES) out += CONTROL_ESCAPES[ch];
    // \x00, not \0: a digit after \0 would turn it into an octal escape (\012 is a newline)
    else if (ch === '\0') out += '\\x00';
    else if (ch < ' ') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `'${out}'`;
}

/**
 * A qualified object name passed as a string to a system function (SYSTEM$PIPE_STATUS, SYSTEM$STREAM_HAS_DATA,
 * COPY_HISTORY(TABLE_NAME => ...)): the quoted identifier text, then literal-escaped (reference §8).
 */
export function qualifiedNameLiteral(name: QualifiedName): string {
  return literal(qualified(name));
}

/** A JSON path segment or other identifier-like token that must be a plain word (no quoting possible). */
export function isPlainWord(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(text);
}

/**
 * A `$$`-quoted block, used for multi-line text (comments are not needed there). Snowflake cannot escape
 * inside `$$`, so text containing `$$` falls back to an escaped single-quoted literal.
 */
export function dollarQuoted(text: string): string {
  // A trailing `$` would merge with the closing delimiter (`$$costs $$$`).
  return text.includes('$$') || text.endsWith('$') ? literal(text) : `$$${text}$$`;
}

/**
 * Text for a `-- ` line comment: one line, so metadata text can never end the comment early, in Snowflake or
 * in the editor a reviewer reads it in (every Unicode line break: LF, CR, VT, FF, NEL, U+2028, U+2029).
 */
export function lineCommentText(text: string): string {
  return text.replace(/[\r\n\v\f\u0085\u2028\u2029]+/g, ' ');
}

/**
 * A MySQL identifier in backticks (backtick doubled). MySQL is the extractor's only other SQL dialect; values
 * are never written into MySQL SQL text, they are always bound as `?` parameters.
 */
export function mysqlIdentifier(name: string): string {
  if (name.length === 0) throw new Error('a MySQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('a MySQL identifier cannot contain NUL');
  return `\`${name.replaceAll('`', '``')}\``;
}

/** The name inside `identifier(name)`'s output: the inverse of `identifier`, for text built by it. */
export function unquoteIdentifier(quoted: string): string {
  const match = /^"((?:[^"]|"")*)"$/s.exec(quoted);
  if (!match) throw new Error(`not a quoted identifier: ${quoted}`);
  return (match[1] as string).replaceAll('""', '"');
}

/**
 * `EXECUTE IMMEDIATE` of a Snowflake Scripting block (docs: sql-reference/sql/execute-immediate): clients other
 * than Snowsight must pass a block as a string, and the statement splitter keeps a `$$` body whole. A block whose
 * text contains `$$` (a name can) falls back to an escaped single-quoted literal.
 */
export function executeImmediate(block: string): string {
  return `EXECUTE IMMEDIATE ${dollarQuoted(`\n${block.trimEnd()}\n`)}`;
}
