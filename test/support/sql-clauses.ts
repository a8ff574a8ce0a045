/**
 * A small reader of generated Snowflake statements for shape checks: the words a statement has at the top level
 * (outside strings, quoted identifiers, comments and parentheses), which of them open a clause, and the output
 * column names of a SELECT list. It knows only the syntax snowstage generates; anything else it reports, so a
 * check built on it fails on what it does not understand instead of passing.
 */

export interface TopLevelWord {
  /** upper-cased */
  readonly word: string;
  /** offset in the statement */
  readonly at: number;
  /** whether the next significant character is `=` (a `NAME = value` property) */
  readonly assigns: boolean;
}

/** Top-level bare words of `sql` in order; strings, "identifiers", $$…$$, comments and (…) are skipped. */
export function topLevelWords(sql: string): TopLevelWord[] {
  const words: TopLevelWord[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'") i = skipQuoted(sql, i, "'", true);
    else if (c === '"') i = skipQuoted(sql, i, '"', false);
    else if (sql.startsWith('$$', i)) i = sql.indexOf('$$', i + 2) + 2 || sql.length;
    else if (sql.startsWith('--', i)) i = lineEnd(sql, i);
    else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i)) as RegExpExecArray;
      const end = i + match[0].length;
      if (depth === 0) {
        const next = /^\s*(.)/.exec(sql.slice(end));
        words.push({ word: match[0].toUpperCase(), at: i, assigns: next?.[1] === '=' });
      }
      i = end;
    } else i += 1;
  }
  return words;
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return i;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end + 1;
}

/**
 * A documented syntax diagram as ranks: each entry lists the clause words allowed at that position (alternatives,
 * or an option group whose members the documentation lets appear in any order).
 */
export type Diagram = readonly (readonly string[])[];

export interface ClauseOrder {
  /** clause words as they appear */
  readonly clauses: readonly string[];
  /** problems: unknown clauses, or a clause after one the diagram puts later */
  readonly problems: readonly string[];
}

/**
 * Clauses of a statement's header, from `startWord` (the first word after the object name, exclusive of the
 * CREATE … <name> prefix) up to and including the first top-level `stopWord` (AS), checked against `diagram`.
 * A clause is a `NAME =` property or one of the diagram's bare keywords (ON, COPY, AFTER, WHEN, AS).
 */
export function clauseOrder(
  words: readonly TopLevelWord[],
  diagram: Diagram,
  options: { stopWord?: string } = {},
): ClauseOrder {
  const rank = new Map<string, number>();
  diagram.forEach((entry, i) => {
    for (const word of entry) rank.set(word, i);
  });
  const clauses: string[] = [];
  const problems: string[] = [];
  let last = -1;
  let lastWord = '(start)';
  for (const w of words) {
    const keyword = rank.has(w.word) && !w.assigns;
    if (!w.assigns && !keyword) continue;
    const r = rank.get(w.word);
    clauses.push(w.word);
    if (r === undefined) problems.push(`${w.word} is not in the documented syntax`);
    else if (r < last) problems.push(`${w.word} comes after ${lastWord}; the documentation puts it before`);
    else {
      last = r;
      lastWord = w.word;
    }
    if (w.word === options.stopWord) break;
  }
  return { clauses, problems };
}

/**
 * Output column names of each top-level SELECT list in a view body (one per UNION ALL branch), as Snowflake
 * would name them: `expr AS NAME` → NAME, `h.NAME` → NAME, unquoted names upper-cased, "quoted" names exact.
 * `*` is returned as "*".
 */
export function selectListNames(body: string): string[][] {
  const branches: string[][] = [];
  for (const select of splitTopLevel(body, /\bUNION\s+ALL\b/i)) {
    const start = /^\s*SELECT\b/i.exec(select);
    if (!start) throw new Error(`not a SELECT: ${select.slice(0, 80)}`);
    const rest = select.slice(start[0].length);
    const from = findTopLevel(rest, /\bFROM\b/i);
    const list = from < 0 ? rest : rest.slice(0, from);
    branches.push(splitTopLevel(list, /,/).map(outputName));
  }
  return branches;
}

function outputName(item: string): string {
  const text = item.trim();
  if (text === '*' || /\.\*$/.test(text)) return '*';
  const alias = /\bAS\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*$/i.exec(text);
  const name = alias?.[1] ?? /(?:^|\.)("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)$/.exec(text)?.[1];
  if (name === undefined) throw new Error(`cannot name the column ${text}`);
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toUpperCase();
}

/** Offsets of top-level (depth 0, outside strings) matches of `pattern`, used to split. */
function topLevelMatches(text: string, pattern: RegExp): { at: number; length: number }[] {
  const found: { at: number; length: number }[] = [];
  const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
  const masked = maskNested(text);
  for (const m of masked.matchAll(global)) found.push({ at: m.index ?? 0, length: m[0].length });
  return found;
}

function splitTopLevel(text: string, pattern: RegExp): string[] {
  const parts: string[] = [];
  let from = 0;
  for (const m of topLevelMatches(text, pattern)) {
    parts.push(text.slice(from, m.at));
    from = m.at + m.length;
  }
  parts.push(text.slice(from));
  return parts;
}

function findTopLevel(text: string, pattern: RegExp): number {
  return topLevelMatches(text, pattern)[0]?.at ?? -1;
}

/** The text with strings, quoted identifiers, comments and parenthesised parts blanked out (same length). */
function maskNested(text: string): string {
  const out = [...text];
  let depth = 0;
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const c = text[i];
    let next = i + 1;
    if (c === "'") next = skipQuoted(text, i, "'", true);
    else if (c === '"') next = skipQuoted(text, i, '"', false);
    else if (text.startsWith('--', i)) next = lineEnd(text, i);
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    if (c === "'" || c === '"' || text.startsWith('--', i) || depth > 0 || c === ')') blank(i, next);
    i = next;
  }
  return out.join('');
}
