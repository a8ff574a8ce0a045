/** Parses a MySQL column type as written in SHOW CREATE TABLE / information_schema.COLUMN_TYPE. */
import type { MysqlType } from './types.js';

const SHAPE =
  /^([a-z]+(?:\s+(?:precision|varying|varchar))?)\s*(?:\((.*)\))?((?:\s+(?:unsigned|signed|zerofill))*)$/i;

/** Aliases MySQL itself resolves (BOOL is TINYINT(1), INTEGER is INT, ...). */
const ALIASES: Record<string, { base: string; args?: number[] }> = {
  BOOL: { base: 'TINYINT', args: [1] },
  BOOLEAN: { base: 'TINYINT', args: [1] },
  INTEGER: { base: 'INT' },
  DEC: { base: 'DECIMAL' },
  NUMERIC: { base: 'DECIMAL' },
  FIXED: { base: 'DECIMAL' },
  REAL: { base: 'DOUBLE' },
  'DOUBLE PRECISION': { base: 'DOUBLE' },
  'CHARACTER VARYING': { base: 'VARCHAR' },
  CHARACTER: { base: 'CHAR' },
  'LONG VARCHAR': { base: 'MEDIUMTEXT' },
};

export function parseMysqlType(text: string): MysqlType | { error: string } {
  const trimmed = text.trim();
  const m = SHAPE.exec(trimmed);
  if (!m)
    return {
      error: `found "${text}", expected a MySQL type such as int unsigned, decimal(10,2) or varchar(255)`,
    };
  const rawBase = (m[1] ?? '').toUpperCase().replace(/\s+/g, ' ');
  const alias = ALIASES[rawBase];
  const base = alias?.base ?? rawBase;
  const modifiers = (m[3] ?? '').toLowerCase();
  const inner = m[2];
  const isList = base === 'ENUM' || base === 'SET';
  const values = isList && inner !== undefined ? parseQuotedList(inner) : [];
  if (values === undefined) return { error: `found "${text}", expected ${base} values as quoted strings` };
  const args = !isList && inner !== undefined ? parseNumbers(inner) : (alias?.args ?? []);
  if (args === undefined) return { error: `found "${text}", expected numeric arguments such as (10,2)` };
  // ZEROFILL implies UNSIGNED in MySQL.
  const unsigned = modifiers.includes('unsigned') || modifiers.includes('zerofill');
  return { base, text: trimmed, args, unsigned, values };
}

function parseNumbers(inner: string): number[] | undefined {
  const parts = inner.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) return undefined;
  return parts.map(Number);
}

/** MySQL's string escapes (\n, \0, ...); any other escaped character stands for itself. */
const BACKSLASH_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
};

/** 'a','b''c' → ["a", "b'c"]; MySQL doubles quotes inside ENUM/SET members and may use backslash escapes. */
function parseQuotedList(inner: string): string[] | undefined {
  const values: string[] = [];
  let i = 0;
  while (i < inner.length) {
    while (inner[i] === ' ' || inner[i] === ',') i++;
    if (i >= inner.length) break;
    if (inner[i] !== "'") return undefined;
    let value = '';
    i++;
    for (;;) {
      const ch = inner[i];
      if (ch === undefined) return undefined;
      if (ch === "'" && inner[i + 1] === "'") {
        value += "'";
        i += 2;
      } else if (ch === '\\' && i + 1 < inner.length) {
        const next = inner[i + 1] as string;
        value += BACKSLASH_ESCAPES[next] ?? next;
        i += 2;
      } else if (ch === "'") {
        i++;
        break;
      } else {
        value += ch;
        i++;
      }
    }
    values.push(value);
  }
  return values;
}
