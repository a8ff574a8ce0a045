/**
 * The MySQL statements of an extraction, built from the table model. Pure: returns SQL text with `?`
 * placeholders and the values to bind. Names go through mysqlIdentifier; values are never part of the text.
 */
import { type ColumnModel, cursorOf, type TableModel } from '../model/types.js';
import { mysqlIdentifier as q } from '../sql/quote.js';

export interface Statement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** A position in (cursor, key) order. `key: null` means "every row at this cursor" (an inclusive bound). */
export interface KeysetPosition {
  readonly cursor: string;
  readonly key: readonly string[] | null;
}

/** A bound value compared with a column: cast to the column's type so the comparison is exact and uses the index. */
function parameter(column: ColumnModel): string {
  switch (column.encoding) {
    case 'integer':
    case 'bit':
    case 'boolean':
      return column.mysqlType.unsigned || column.encoding === 'bit'
        ? 'CAST(? AS UNSIGNED)'
        : 'CAST(? AS SIGNED)';
    case 'decimal': {
      const [p = 10, s = 0] = column.mysqlType.args;
      return `CAST(? AS DECIMAL(${p},${s}))`;
    }
    case 'date':
      return 'CAST(? AS DATE)';
    case 'datetime':
    case 'timestamp_utc':
      return 'CAST(? AS DATETIME(6))';
    case 'base64':
      return 'FROM_BASE64(?)';
    default:
      return '?';
  }
}

/** The encoded (CSV) text of a key or cursor value, turned back into what MySQL compares. */
export function bindValue(column: ColumnModel, encoded: string): string {
  return column.encoding === 'timestamp_utc' ? encoded.replace(/ \+00:00$/, '') : encoded;
}

/** (c0, c1, …) > (v0, v1, …) expanded, since row-value comparisons are not range-optimised everywhere. */
function greaterThan(columns: readonly ColumnModel[], values: readonly string[]): Statement {
  const [head, ...rest] = columns;
  const [value, ...restValues] = values;
  if (!head || value === undefined) throw new Error('keyset comparison needs at least one column');
  const col = q(head.source);
  const bound = bindValue(head, value);
  if (rest.length === 0) return { sql: `${col} > ${parameter(head)}`, values: [bound] };
  const inner = greaterThan(rest, restValues);
  return {
    sql: `(${col} > ${parameter(head)} OR (${col} = ${parameter(head)} AND ${wrap(inner.sql)}))`,
    values: [bound, bound, ...inner.values],
  };
}

function wrap(sql: string): string {
  return sql.startsWith('(') ? sql : `(${sql})`;
}

function orderBy(columns: readonly ColumnModel[]): string {
  return columns.map((c) => q(c.source)).join(', ');
}

/**
 * Initial load / backfill: the next chunk in primary-key order, whatever the cursor; `throughKey` ends a slice
 * (slices exist only for single-column keys, see slices.ts).
 */
export function backfillChunk(
  table: TableModel,
  /** the row plan's SELECT list */
  select: string,
  afterKey: readonly string[] | null,
  limit: number,
  throughKey: readonly string[] | null = null,
): Statement {
  const conditions: Statement[] = [];
  if (afterKey) conditions.push(greaterThan(table.primaryKey, afterKey));
  if (throughKey) conditions.push(atMost(table.primaryKey, throughKey));
  const where = conditions.length > 0 ? conditions.map((c) => c.sql).join(' AND ') : '1 = 1';
  return {
    sql: `SELECT ${select} FROM ${q(table.sourceTable)} WHERE ${where} ORDER BY ${orderBy(table.primaryKey)} LIMIT ${limit}`,
    values: conditions.flatMap((c) => c.values),
  };
}

/** A keyless snapshot: every row in one streamed pass (no key to page by, so no order and no resume point). */
export function wholeTable(table: TableModel, select: string): Statement {
  return { sql: `SELECT ${select} FROM ${q(table.sourceTable)}`, values: [] };
}

function atMost(columns: readonly ColumnModel[], values: readonly string[]): Statement {
  const [column] = columns;
  const [value] = values;
  if (columns.length !== 1 || !column || value === undefined) {
    throw new Error('a backfill slice needs a single-column primary key');
  }
  return { sql: `${q(column.source)} <= ${parameter(column)}`, values: [bindValue(column, value)] };
}

/** Smallest and largest key of a single-column primary key, as text (NULLs when the table is empty). */
export function keyRange(table: TableModel): Statement {
  const [key] = table.primaryKey;
  if (!key || table.primaryKey.length !== 1) throw new Error('keyRange needs a single-column primary key');
  const c = q(key.source);
  return {
    sql: `SELECT CAST(MIN(${c}) AS CHAR) AS lo, CAST(MAX(${c}) AS CHAR) AS hi FROM ${q(table.sourceTable)}`,
    values: [],
  };
}

/** Incremental: the next chunk of lower < (cursor, key) ≤ upper, in (cursor, key) order. */
export function incrementalChunk(
  table: TableModel,
  /** the row plan's SELECT list */
  select: string,
  lower: KeysetPosition | null,
  upper: string,
  limit: number,
): Statement {
  const cursor = cursorOf(table);
  const conditions: Statement[] = [{ sql: `${q(cursor.source)} IS NOT NULL`, values: [] }];
  if (lower?.key) conditions.push(greaterThan([cursor, ...table.primaryKey], [lower.cursor, ...lower.key]));
  else if (lower)
    conditions.push({
      sql: `${q(cursor.source)} >= ${parameter(cursor)}`,
      values: [bindValue(cursor, lower.cursor)],
    });
  conditions.push({ sql: `${q(cursor.source)} <= ${parameter(cursor)}`, values: [bindValue(cursor, upper)] });
  return {
    sql: `SELECT ${select} FROM ${q(table.sourceTable)} WHERE ${conditions.map((c) => c.sql).join(' AND ')} ORDER BY ${orderBy([cursor, ...table.primaryKey])} LIMIT ${limit}`,
    values: conditions.flatMap((c) => c.values),
  };
}

/** Rows whose cursor is NULL cannot be followed incrementally; with null_cursor: oldest every run re-reads them. */
export function nullCursorChunk(
  table: TableModel,
  /** the row plan's SELECT list */
  select: string,
  afterKey: readonly string[] | null,
  limit: number,
): Statement {
  const keyed = afterKey ? greaterThan(table.primaryKey, afterKey) : { sql: '1 = 1', values: [] };
  return {
    sql: `SELECT ${select} FROM ${q(table.sourceTable)} WHERE ${q(cursorOf(table).source)} IS NULL AND ${keyed.sql} ORDER BY ${orderBy(table.primaryKey)} LIMIT ${limit}`,
    values: keyed.values,
  };
}

export function countNullCursors(table: TableModel): Statement {
  return {
    sql: `SELECT COUNT(*) AS n FROM ${q(table.sourceTable)} WHERE ${q(cursorOf(table).source)} IS NULL`,
    values: [],
  };
}

/** Rows whose cursor lies past `bound` (window.ts futureBound): one range count on the cursor's index. */
export function countCursorsAfter(table: TableModel, bound: string): Statement {
  const cursor = cursorOf(table);
  return {
    sql: `SELECT COUNT(*) AS n FROM ${q(table.sourceTable)} WHERE ${q(cursor.source)} > ${parameter(cursor)}`,
    values: [bindValue(cursor, bound)],
  };
}

/** For integer and decimal cursors the upper bound is the largest value present when the run starts. */
export function maxCursor(table: TableModel): Statement {
  return {
    sql: `SELECT CAST(MAX(${q(cursorOf(table).source)}) AS CHAR) AS m FROM ${q(table.sourceTable)}`,
    values: [],
  };
}

/**
 * The server's row count estimate (InnoDB samples it; it can be off by tens of percent), for a backfill's
 * progress and ETA only: reading it costs no scan.
 */
export function estimatedRows(table: TableModel): Statement {
  return {
    sql: 'SELECT CAST(TABLE_ROWS AS CHAR) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    values: [table.sourceTable],
  };
}

export function describeColumns(table: TableModel): Statement {
  return {
    // COLUMN_TYPE holds lengths, unsigned and ENUM members on both MySQL 8 and MariaDB; CAST keeps it text.
    // CHARACTER_SET_NAME is NULL for non-text columns on both.
    sql: 'SELECT CAST(COLUMN_NAME AS CHAR) AS name, CAST(COLUMN_TYPE AS CHAR) AS type, CAST(CHARACTER_SET_NAME AS CHAR) AS charset, CAST(IS_NULLABLE AS CHAR) AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    values: [table.sourceTable],
  };
}

/** Every key part of every index of the table (PRIMARY, UNIQUE, plain), one row each: see source-indexes.ts. */
export function describeIndexes(table: TableModel): Statement {
  return {
    // The same five columns on MySQL 8 and MariaDB; COLUMN_NAME is NULL for a MySQL 8 functional key part.
    sql: 'SELECT CAST(INDEX_NAME AS CHAR) AS indexName, NON_UNIQUE AS nonUnique, SEQ_IN_INDEX AS seq, CAST(COLUMN_NAME AS CHAR) AS columnName, SUB_PART AS subPart FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
    values: [table.sourceTable],
  };
}
