/** Comparing Snowflake names: stored names are exact, and SHOW prints qualified names as text. */
import type { QualifiedName } from '../model/types.js';

/** Names compare exactly: SHOW returns stored names, and the model holds resolved ones. */
export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.database === b.database && a.schema === b.schema && a.name === b.name;
}

/**
 * SHOW STREAMS prints the source as `DB.S.T` (D:sql-reference/sql/show-streams); the docs do not say how a part
 * that needs quoting is printed, so both `"Raw Zone"."T"` and `Raw Zone.T` are read. Unquoted parts are taken
 * as printed (stored names), never upper-cased.
 */
export function nameParts(text: string): string[] {
  const parts: string[] = [];
  const part = /"((?:[^"]|"")*)"|([^."]*)/y;
  let at = 0;
  while (at <= text.length) {
    part.lastIndex = at;
    const match = part.exec(text) as RegExpExecArray;
    parts.push(match[1] !== undefined ? match[1].replaceAll('""', '"') : (match[2] ?? ''));
    at = part.lastIndex;
    if (text[at] !== '.') break;
    at += 1;
  }
  return parts;
}

export function sameParts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
