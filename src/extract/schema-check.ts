/**
 * Does the MySQL table still match its metadata? A renamed, dropped or retyped column must stop the table's
 * extraction with a message that names the column and says what to do, before any file is written.
 */
import { parseMysqlType } from '../model/mysql-type.js';
import type { MysqlType, TableModel } from '../model/types.js';
import { cursorIndexing, keyUniqueness, type SourceIndex } from './source-indexes.js';

export interface LiveColumn {
  readonly name: string;
  readonly type: string;
  /** NULL for columns that are not text */
  readonly charset?: string | null;
  /** information_schema's IS_NULLABLE: 'YES' or 'NO' */
  readonly nullable?: string;
}

/** Character set of each live column, keyed by lower-case name, for the row plan. */
export function liveCharsets(live: readonly LiveColumn[]): Map<string, string | null> {
  return new Map(live.map((c) => [c.name.toLowerCase(), c.charset ?? null]));
}

/**
 * The declared primary_key must be unique in MySQL, or keyset pagination skips rows that share a key (five rows
 * with one key, read two per chunk, came out as two). Returns the refusal, or undefined when the key is safe.
 */
export function keyProblem(
  table: TableModel,
  live: readonly LiveColumn[],
  indexes: readonly SourceIndex[],
): string | undefined {
  const nullable = new Set(live.filter((c) => c.nullable === 'YES').map((c) => c.name.toLowerCase()));
  const key = table.primaryKey.map((c) => c.source);
  const verdict = keyUniqueness(key, nullable, indexes);
  if (verdict.ok) return undefined;
  return `primary_key [${key.join(', ')}] in ${table.file} is not enforced as unique by MySQL table ${table.sourceTable}: ${verdict.reason}. Rows sharing a key would be skipped by keyset pagination, so nothing was read. Add a PRIMARY KEY or UNIQUE index on NOT NULL columns in MySQL, or declare as primary_key the columns of one that exists (snowstage introspect --table ${table.sourceTable} shows them)`;
}

/** Without an index that starts with the cursor, every run reads the whole table to find the changed rows. */
export function cursorWarning(table: TableModel, indexes: readonly SourceIndex[]): string | undefined {
  const key = table.primaryKey.map((c) => c.source);
  if (table.cursor === undefined) return undefined;
  if (cursorIndexing(table.cursor.source, key, indexes) !== 'none') return undefined;
  return `cursor ${table.cursor.source} of MySQL table ${table.sourceTable} is not the first column of any index, so every run scans the whole table; add an index on (${[table.cursor.source, ...key].join(', ')})`;
}

const INTEGER_BASES = new Set(['TINYINT', 'SMALLINT', 'MEDIUMINT', 'INT', 'BIGINT']);

export function schemaProblems(table: TableModel, live: readonly LiveColumn[]): string[] {
  if (live.length === 0) {
    return [
      `MySQL table ${table.sourceTable} was not found in the source database; check source_table in ${table.file}`,
    ];
  }
  const byName = new Map(live.map((c) => [c.name.toLowerCase(), c]));
  const problems: string[] = [];
  for (const column of table.columns) {
    const found = byName.get(column.source.toLowerCase());
    if (!found) {
      problems.push(
        `column ${column.source} is in ${table.file} but not in MySQL table ${table.sourceTable}: remove it from the metadata (or restore it in MySQL), then run snowstage generate and apply`,
      );
      continue;
    }
    const liveType = parseMysqlType(found.type);
    if ('error' in liveType || !sameType(column.mysqlType, liveType)) {
      problems.push(
        `column ${column.source} is ${found.type} in MySQL but ${column.mysqlType.text} in ${table.file}: update its type in the metadata, then run snowstage generate and apply (a wider Snowflake type may need ALTER TABLE ... ALTER COLUMN)`,
      );
    }
  }
  return problems;
}

/**
 * Types match when they hold the same values. Integer display widths are ignored (MySQL 8.0.19+ drops them)
 * except TINYINT(1), which MySQL keeps as the BOOL spelling; MariaDB reports JSON as LONGTEXT.
 */
export function sameType(declared: MysqlType, live: MysqlType): boolean {
  if (declared.base === 'JSON' && live.base === 'LONGTEXT') return true;
  if (declared.base !== live.base || declared.unsigned !== live.unsigned) return false;
  if (INTEGER_BASES.has(declared.base)) {
    return declared.base !== 'TINYINT' || (declared.args[0] === 1) === (live.args[0] === 1);
  }
  if (declared.base === 'ENUM' || declared.base === 'SET') {
    return sameList(declared.values.map(asMariaDbReportsIt), live.values.map(asMariaDbReportsIt));
  }
  return sameList(declared.args.map(String), live.args.map(String)) || defaultArgs(declared, live);
}

/**
 * MariaDB keeps column definitions in a 3-byte charset: information_schema shows each 4-byte character (emoji) of
 * an ENUM/SET member as '?', although the stored values are intact. Compare members with such characters masked.
 */
function asMariaDbReportsIt(member: string): string {
  return member.replace(/[\u{10000}-\u{10FFFF}]/gu, '?');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** decimal = decimal(10,0), datetime = datetime(0), bit = bit(1): a written default equals the shown one. */
function defaultArgs(declared: MysqlType, live: MysqlType): boolean {
  const defaults: Record<string, readonly number[]> = {
    DECIMAL: [10, 0],
    DATETIME: [0],
    TIMESTAMP: [0],
    TIME: [0],
    BIT: [1],
    YEAR: [4],
  };
  const d = defaults[declared.base];
  if (!d) return false;
  const fill = (args: readonly number[]) =>
    d.map((v, i) => args[i] ?? (declared.base === 'DECIMAL' && i === 1 ? 0 : v));
  return sameList(fill(declared.args).map(String), fill(live.args).map(String));
}
