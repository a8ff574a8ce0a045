/**
 * What MySQL's indexes guarantee about a table, read from information_schema.STATISTICS. Pure.
 *
 * Keyset pagination over (key) and (cursor, key) reads the next chunk after the last row's key: when two rows share
 * a key, the rows after the first one at a chunk boundary are skipped for good. So the key the metadata declares
 * must be one MySQL enforces: a PRIMARY KEY or UNIQUE index whose columns all belong to the key, with every key
 * column NOT NULL (a NULL never compares greater than anything, and UNIQUE allows many NULLs).
 */

/** One row of information_schema.STATISTICS (the same columns on MySQL 8 and MariaDB). */
export interface IndexColumnRow {
  readonly indexName: string;
  /** 0 for PRIMARY and UNIQUE; mysql2 may return a BIGINT as text */
  readonly nonUnique: number | string;
  readonly seq: number | string;
  /** NULL for a MySQL 8 functional key part */
  readonly columnName: string | null;
  /** characters or bytes of a prefix key part (e.g. name(10)); NULL when the whole column is indexed */
  readonly subPart: number | string | null;
}

export interface SourceIndex {
  readonly name: string;
  readonly unique: boolean;
  /** lower-case column names in index order; null for an expression */
  readonly columns: readonly (string | null)[];
  /** some key part covers only a prefix of its column: uniqueness of the prefix, not of the column */
  readonly prefixed: boolean;
}

export function groupIndexes(rows: readonly IndexColumnRow[]): SourceIndex[] {
  const byName = new Map<string, IndexColumnRow[]>();
  for (const row of rows) byName.set(row.indexName, [...(byName.get(row.indexName) ?? []), row]);
  return [...byName.entries()]
    .sort(([a], [b]) => (a === 'PRIMARY' ? -1 : b === 'PRIMARY' ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([name, parts]) => {
      const ordered = [...parts].sort((a, b) => Number(a.seq) - Number(b.seq));
      return {
        name,
        unique: ordered.every((p) => Number(p.nonUnique) === 0),
        columns: ordered.map((p) => (p.columnName === null ? null : p.columnName.toLowerCase())),
        prefixed: ordered.some((p) => p.subPart !== null && p.subPart !== undefined),
      };
    });
}

/** A unique index MySQL enforces over whole columns (no prefix, no expression). */
export function isWholeUnique(index: SourceIndex): boolean {
  return index.unique && !index.prefixed && index.columns.every((c) => c !== null);
}

export type KeyVerdict =
  | { readonly ok: true; readonly index: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Is this key unique in MySQL? `nullable` holds the lower-case names of the table's nullable columns.
 * Index names in the reason are those MySQL shows.
 */
export function keyUniqueness(
  key: readonly string[],
  nullable: ReadonlySet<string>,
  indexes: readonly SourceIndex[],
): KeyVerdict {
  const keyColumns = key.map((c) => c.toLowerCase());
  const nullableKey = key.filter((c) => nullable.has(c.toLowerCase()));
  if (nullableKey.length > 0) {
    return { ok: false, reason: `${list(nullableKey)} ${nullableKey.length === 1 ? 'is' : 'are'} NULL-able` };
  }
  const covering = indexes.find(
    (i) => isWholeUnique(i) && i.columns.every((c) => c !== null && keyColumns.includes(c)),
  );
  if (covering) return { ok: true, index: covering.name };
  const prefixed = indexes.find(
    (i) => i.unique && i.prefixed && i.columns.every((c) => c !== null && keyColumns.includes(c)),
  );
  if (prefixed) {
    return {
      ok: false,
      reason: `its unique index ${prefixed.name} covers only a prefix of a column, so whole values may repeat`,
    };
  }
  return { ok: false, reason: 'no PRIMARY KEY or UNIQUE index of MySQL covers only these columns' };
}

export type CursorIndexing = 'cursor_key' | 'cursor' | 'none';

/** How well an index serves `WHERE (cursor, key) > … ORDER BY cursor, key`: best is (cursor, key…) in order. */
export function cursorIndexing(
  cursor: string,
  key: readonly string[],
  indexes: readonly SourceIndex[],
): CursorIndexing {
  const wanted = [cursor, ...key].map((c) => c.toLowerCase());
  const leading = indexes.filter((i) => i.columns[0] === wanted[0]);
  if (leading.length === 0) return 'none';
  return leading.some((i) => wanted.every((c, n) => i.columns[n] === c)) ? 'cursor_key' : 'cursor';
}

function list(columns: readonly string[]): string {
  return columns.join(', ');
}
