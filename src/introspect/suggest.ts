/**
 * From a MySQL table as information_schema shows it to suggested table metadata, each choice with its reason.
 * Pure. The key must be one MySQL enforces (see extract/source-indexes.ts); the cursor an update time, best
 * indexed on (cursor, key); the type notes flag columns whose default mapping deserves a decision.
 */
import { cursorIndexing, isWholeUnique, keyUniqueness, type SourceIndex } from '../extract/source-indexes.js';
import { parseMysqlType } from '../model/mysql-type.js';
import { defaultMapping } from '../model/type-map.js';
import type { MysqlType } from '../model/types.js';
import type { SourceColumn, SourceTable } from './read-source.js';

export interface ColumnSuggestion {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** an override the column needs to be loaded at all (spatial types) */
  readonly snowflakeType?: string;
  /** the mapping it implies, when a choice is worth a look */
  readonly note?: string;
}

export interface Choice {
  readonly columns: readonly string[];
  readonly reason: string;
}

export interface TableSuggestion {
  readonly sourceTable: string;
  readonly name: string;
  readonly key: Choice | undefined;
  readonly cursor: Choice | undefined;
  /** e.g. the cursor has no index: works, but every run scans the table */
  readonly warnings: readonly string[];
  readonly softDelete: Choice | undefined;
  readonly columns: readonly ColumnSuggestion[];
  /**
   * Why the table is suggested as `mode: snapshot` (no usable key, or no update-time cursor: it cannot be followed
   * incrementally); undefined for an incremental table. A snapshot suggestion has no cursor and no soft delete.
   */
  readonly snapshot: string | undefined;
  /** why no metadata can be written for this table until someone decides */
  readonly problems: readonly string[];
}

export function suggestTable(table: SourceTable): TableSuggestion {
  const key = suggestKey(table);
  const cursor = suggestCursor(table, key?.columns ?? []);
  const base = {
    sourceTable: table.name,
    name: tableName(table.name),
    key,
    columns: table.columns.map(suggestColumn),
    problems: [],
  };
  const snapshot = !key
    ? 'no PRIMARY KEY and no UNIQUE index on NOT NULL columns, so rows can be neither paged nor merged by key: every run copies the whole table and the target is replaced by the latest complete snapshot (or add a PRIMARY KEY or UNIQUE index in MySQL and use mode: incremental)'
    : 'problem' in cursor
      ? `${cursor.problem.replace(/: choose cursor.column by hand$/, '')}: every run copies the whole table in key order and the target is made equal to it, deleted rows included (or name cursor.column by hand and use mode: incremental)`
      : undefined;
  if (snapshot !== undefined) {
    return { ...base, cursor: undefined, warnings: [], softDelete: undefined, snapshot };
  }
  return {
    ...base,
    cursor: cursor.choice,
    warnings: 'warning' in cursor && cursor.warning ? [cursor.warning] : [],
    softDelete: suggestSoftDelete(table.columns),
    snapshot: undefined,
  };
}

/** The pipeline's table name: lower-case letters, digits and _, starting with a letter. */
export function tableName(source: string): string {
  const cleaned = source
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 63);
  return /^[a-z]/.test(cleaned) ? cleaned : `t_${cleaned}`.slice(0, 63);
}

function suggestKey(table: SourceTable): Choice | undefined {
  const nullable = new Set(table.columns.filter((c) => c.nullable).map((c) => c.name.toLowerCase()));
  const safe = table.indexes.filter(
    (i) => isWholeUnique(i) && keyUniqueness(namesOf(table, i), nullable, table.indexes).ok,
  );
  const [best] = [...safe].sort(
    (a, b) =>
      Number(b.name === 'PRIMARY') - Number(a.name === 'PRIMARY') || a.columns.length - b.columns.length,
  );
  if (!best) return undefined;
  const reason =
    best.name === 'PRIMARY'
      ? 'the PRIMARY KEY'
      : `UNIQUE index ${best.name} on NOT NULL columns (the table has no usable PRIMARY KEY)`;
  return { columns: namesOf(table, best), reason };
}

/** Index columns spelled as the table spells them (STATISTICS names are compared lower-case). */
function namesOf(table: SourceTable, index: SourceIndex): string[] {
  return index.columns.map(
    (c) => table.columns.find((column) => column.name.toLowerCase() === c)?.name ?? String(c),
  );
}

const UPDATE_NAME = /(^|_)(updated|modified|changed|last_?update[ds]?|mtime|update_?time)(_|$)/i;
const INDEXING_RANK = { cursor_key: 0, cursor: 1, none: 2 } as const;

function suggestCursor(
  table: SourceTable,
  key: readonly string[],
): { choice: Choice; warning?: string } | { choice: undefined; problem: string } {
  const candidates = table.columns
    .filter((c) => isTemporal(c.type) && (c.onUpdateNow || UPDATE_NAME.test(c.name)))
    .map((c) => ({ column: c, indexing: cursorIndexing(c.name, key, table.indexes) }))
    .sort(
      (a, b) =>
        INDEXING_RANK[a.indexing] - INDEXING_RANK[b.indexing] ||
        Number(b.column.onUpdateNow) - Number(a.column.onUpdateNow) ||
        Number(a.column.nullable) - Number(b.column.nullable),
    );
  const [best] = candidates;
  if (!best) {
    return {
      choice: undefined,
      problem:
        'no DATETIME or TIMESTAMP column looks like an update time (ON UPDATE CURRENT_TIMESTAMP, or named like updated_at / modified_at): choose cursor.column by hand',
    };
  }
  const { column, indexing } = best;
  const why = column.onUpdateNow
    ? 'kept current by ON UPDATE CURRENT_TIMESTAMP'
    : 'named like an update time';
  const indexed = {
    cursor_key: `an index on (${[column.name, ...key].join(', ')}) serves the (cursor, key) order`,
    cursor: `an index starts with it (one on (${[column.name, ...key].join(', ')}) would serve the (cursor, key) order best)`,
    none: 'not indexed',
  } satisfies Record<keyof typeof INDEXING_RANK, string>;
  const choice = { columns: [column.name], reason: `${column.type}, ${why}; ${indexed[indexing]}` };
  if (indexing !== 'none') return { choice };
  return {
    choice,
    warning: `cursor ${column.name} is not the first column of any index, so every run scans the whole table; add an index on (${[column.name, ...key].join(', ')})`,
  };
}

function isTemporal(type: string): boolean {
  return /^(datetime|timestamp)\b/i.test(type);
}

const SOFT_DELETE_NAME = /^(is_)?(deleted|removed)(_at|_on)?$/i;

function suggestSoftDelete(columns: readonly SourceColumn[]): Choice | undefined {
  const column = columns.find((c) => SOFT_DELETE_NAME.test(c.name) && (isTemporal(c.type) || isFlag(c.type)));
  if (!column) return undefined;
  const reason = isFlag(column.type)
    ? 'a flag named like a deletion mark: deleted when non-zero'
    : 'a time named like a deletion mark: deleted when set';
  return { columns: [column.name], reason };
}

function isFlag(type: string): boolean {
  return /^(tinyint\(1\)|bit\(1\)|bit|bool|boolean)$/i.test(type);
}

function suggestColumn(column: SourceColumn): ColumnSuggestion {
  const base = { name: column.name, type: column.type, nullable: column.nullable };
  const parsed = parseMysqlType(column.type);
  if ('error' in parsed) return { ...base, note: `unsupported: ${parsed.error}` };
  const mapped = defaultMapping(parsed);
  if ('error' in mapped) {
    return {
      ...base,
      snowflakeType: 'VARCHAR',
      note: `no Snowflake type holds ${column.type} as is: loaded as WKT text (snowflake_type: VARCHAR)`,
    };
  }
  const note = mappingNote(parsed, mapped.snowflakeType);
  return note ? { ...base, note } : base;
}

/** Lossless defaults that are worth a decision: a narrower override the data may allow. */
function mappingNote(type: MysqlType, snowflakeType: string): string | undefined {
  const width = type.args[0];
  if ((type.base === 'TINYINT' && width === 1) || (type.base === 'BIT' && (width ?? 1) === 1)) {
    return `→ ${snowflakeType}; snowflake_type: BOOLEAN if it only holds 0 and 1`;
  }
  if (type.base === 'DECIMAL' && (width ?? 10) > 38) {
    return `→ ${snowflakeType} (exact text: Snowflake NUMBER holds 38 digits); snowflake_type: NUMBER(38,s) if values fit`;
  }
  if (type.base === 'TIME') {
    return `→ ${snowflakeType} seconds (MySQL TIME is a duration); snowflake_type: TIME(${type.args[0] ?? 0}) if values lie within a day`;
  }
  return undefined;
}
