/**
 * Reads what introspection needs from MySQL's information_schema, for the whole database in four queries
 * (tables, columns, index key parts, and on MariaDB the CHECK constraints that mark JSON columns).
 *
 * MySQL 8 and MariaDB differ here: MariaDB's JSON is LONGTEXT with CHECK (JSON_VALID(col)), found through
 * CHECK_CONSTRAINTS.TABLE_NAME (a column MySQL 8 does not have; MySQL 8 reports JSON as json); MariaDB shows
 * integer display widths (int(10) unsigned) that MySQL 8.0.19+ drops; both show ON UPDATE in COLUMNS.EXTRA.
 */
import type { MysqlSource } from '../extract/mysql-source.js';
import { type ServerFlavour, serverFlavour } from '../extract/session.js';
import { groupIndexes, type IndexColumnRow, type SourceIndex } from '../extract/source-indexes.js';

export interface SourceColumn {
  readonly name: string;
  /** the type as metadata writes it: COLUMN_TYPE without integer display widths (tinyint(1) kept) */
  readonly type: string;
  readonly nullable: boolean;
  /** ON UPDATE CURRENT_TIMESTAMP: the server itself keeps the column current on every update */
  readonly onUpdateNow: boolean;
}

export interface SourceTable {
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  readonly indexes: readonly SourceIndex[];
}

export interface SourceSchema {
  readonly flavour: ServerFlavour;
  readonly tables: readonly SourceTable[];
}

interface ColumnRow {
  tableName: string;
  name: string;
  type: string;
  nullable: string;
  extra: string | null;
}

const COLUMNS_SQL =
  'SELECT CAST(TABLE_NAME AS CHAR) AS tableName, CAST(COLUMN_NAME AS CHAR) AS name, CAST(COLUMN_TYPE AS CHAR) AS type, CAST(IS_NULLABLE AS CHAR) AS nullable, CAST(EXTRA AS CHAR) AS extra FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION';
const TABLES_SQL =
  "SELECT CAST(TABLE_NAME AS CHAR) AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME";
const INDEXES_SQL =
  'SELECT CAST(TABLE_NAME AS CHAR) AS tableName, CAST(INDEX_NAME AS CHAR) AS indexName, NON_UNIQUE AS nonUnique, SEQ_IN_INDEX AS seq, CAST(COLUMN_NAME AS CHAR) AS columnName, SUB_PART AS subPart FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX';
/** MariaDB only: CHECK_CONSTRAINTS.TABLE_NAME exists there (10.3.10+), not on MySQL 8. */
const MARIADB_CHECKS_SQL =
  'SELECT CAST(TABLE_NAME AS CHAR) AS tableName, CAST(CHECK_CLAUSE AS CHAR) AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()';

export async function readSourceSchema(source: MysqlSource): Promise<SourceSchema> {
  const [version] = await source.query<{ version: string }>('SELECT CAST(VERSION() AS CHAR) AS version');
  const flavour = serverFlavour(version?.version ?? '');
  const tables = await source.query<{ name: string }>(TABLES_SQL);
  const columns = await source.query<ColumnRow>(COLUMNS_SQL);
  const indexRows = await source.query<IndexColumnRow & { tableName: string }>(INDEXES_SQL);
  const checks =
    flavour === 'mariadb'
      ? await source.query<{ tableName: string; clause: string }>(MARIADB_CHECKS_SQL)
      : [];
  return {
    flavour,
    tables: tables.map((t) => {
      const json = jsonColumns(checks.filter((c) => c.tableName === t.name).map((c) => c.clause));
      return {
        name: t.name,
        columns: columns.filter((c) => c.tableName === t.name).map((c) => sourceColumn(c, json)),
        indexes: groupIndexes(indexRows.filter((r) => r.tableName === t.name)),
      };
    }),
  };
}

function sourceColumn(row: ColumnRow, json: ReadonlySet<string>): SourceColumn {
  const reported = metadataType(row.type);
  return {
    name: row.name,
    type: reported === 'longtext' && json.has(row.name.toLowerCase()) ? 'json' : reported,
    nullable: row.nullable === 'YES',
    onUpdateNow: /on update current_timestamp/i.test(row.extra ?? ''),
  };
}

/** `json_valid(`metadata`)` as MariaDB writes the check of a JSON column: the lower-case column names. */
export function jsonColumns(clauses: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const clause of clauses) {
    const match = /^\s*json_valid\(`((?:[^`]|``)+)`\)\s*$/i.exec(clause);
    if (match?.[1]) names.add(match[1].replaceAll('``', '`').toLowerCase());
  }
  return names;
}

/**
 * MariaDB's int(10) unsigned is MySQL 8's int unsigned; tinyint(1) keeps its width (the BOOL spelling), and so
 * does a ZEROFILL column (MySQL 8 shows its width too: it says how many digits the value is padded to).
 */
export function metadataType(columnType: string): string {
  if (/\bzerofill\b/i.test(columnType)) return columnType;
  return columnType.replace(/^(tinyint|smallint|mediumint|int|bigint)\((\d+)\)/i, (whole, base, width) =>
    base.toLowerCase() === 'tinyint' && width === '1' ? whole : base,
  );
}
