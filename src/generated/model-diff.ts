/**
 * What changed in the model between the committed tree (its model.json) and the metadata: tables and columns
 * added or removed, and column types changed, each classified by what Snowflake can do with it.
 *
 * ALTER TABLE … ALTER COLUMN … SET DATA TYPE (docs: sql-reference/sql/alter-table-column) only lengthens a VARCHAR
 * or changes a NUMBER's precision; it cannot change a NUMBER's scale, a BINARY's length or the type family
 * (reference §14). So a widening is altered in place; any other target change is copied into a new column;
 * a landing column is never narrowed (it holds text, and a wider column loads the same text); a MERGE key column
 * that cannot be altered in place is refused, because the copy would drop the column the key is declared on.
 */
import type { ManifestColumn, ManifestTable, ModelManifest } from './manifest.js';

export type TypeAction = 'alter' | 'copy' | 'keep' | 'refuse';

export interface TypeChange {
  readonly table: string;
  readonly column: string;
  readonly on: 'landing' | 'target';
  readonly from: string;
  readonly to: string;
  readonly action: TypeAction;
  /** why this action, in words a reviewer can check against the docs */
  readonly reason: string;
}

export interface ModelDiff {
  readonly tablesAdded: readonly string[];
  readonly tablesRemoved: readonly ManifestTable[];
  readonly columnsAdded: readonly { table: string; column: string }[];
  readonly columnsRemoved: readonly { table: string; column: string }[];
  readonly typeChanges: readonly TypeChange[];
  /** kept tables (as committed) loaded by a pipe that are now loaded by the Lambda COPY loader: the pipe must go */
  readonly pipesRetired: readonly ManifestTable[];
  /** kept tables loaded by the Lambda COPY loader that get a pipe again (no migration: apply creates it) */
  readonly pipesAdded: readonly string[];
}

/** The prefix of the temporary column a copy writes; it must fit Snowflake's 255-character names. */
export const COPY_COLUMN_PREFIX = '_SNOWSTAGE_RETYPE_';

export function diffModels(previous: ModelManifest | undefined, next: ModelManifest): ModelDiff {
  const before = new Map((previous?.tables ?? []).map((t) => [t.name, t]));
  const after = new Map(next.tables.map((t) => [t.name, t]));
  const kept = next.tables.filter((t) => before.has(t.name));
  return {
    tablesAdded: previous ? next.tables.filter((t) => !before.has(t.name)).map((t) => t.name) : [],
    tablesRemoved: (previous?.tables ?? []).filter((t) => !after.has(t.name)),
    columnsAdded: kept.flatMap((t) =>
      newColumns(before.get(t.name), t).map((column) => ({ table: t.name, column })),
    ),
    columnsRemoved: kept.flatMap((t) =>
      newColumns(t, before.get(t.name) as ManifestTable).map((column) => ({ table: t.name, column })),
    ),
    typeChanges: kept.flatMap((t) => typeChanges(before.get(t.name) as ManifestTable, t)),
    pipesRetired: kept
      .filter((t) => t.loader === 'lambda' && before.get(t.name)?.loader !== 'lambda')
      .map((t) => before.get(t.name) as ManifestTable),
    pipesAdded: kept
      .filter((t) => t.loader !== 'lambda' && before.get(t.name)?.loader === 'lambda')
      .map((t) => t.name),
  };
}

/** Columns of `b` that `a` does not have. */
function newColumns(a: ManifestTable | undefined, b: ManifestTable): string[] {
  const known = new Set(a?.columns.map((c) => c.name));
  return b.columns.filter((c) => !known.has(c.name)).map((c) => c.name);
}

function typeChanges(before: ManifestTable, after: ManifestTable): TypeChange[] {
  const old = new Map(before.columns.map((c) => [c.name, c]));
  const changes: TypeChange[] = [];
  for (const column of after.columns) {
    const previous = old.get(column.name);
    if (!previous) continue;
    const landing = landingChange(previous, column);
    if (landing) changes.push({ table: after.name, column: column.name, ...landing });
    const target = targetChange(previous, column);
    if (target) changes.push({ table: after.name, column: column.name, ...target });
  }
  return changes;
}

type Classified = Omit<TypeChange, 'table' | 'column'>;

function landingChange(before: ManifestColumn, after: ManifestColumn): Classified | undefined {
  const [from, to] = [before.landingType, after.landingType];
  if (from === to || from === '') return undefined;
  if (isInPlace(from, to))
    return { on: 'landing', from, to, action: 'alter', reason: 'a longer VARCHAR is altered in place' };
  return {
    on: 'landing',
    from,
    to,
    action: 'keep',
    reason: `the landing column keeps ${from}: Snowflake cannot shorten a VARCHAR, and a wider landing column loads the same text`,
  };
}

function targetChange(before: ManifestColumn, after: ManifestColumn): Classified | undefined {
  const [from, to] = [before.targetType, after.targetType];
  if (from === to || from === '') return undefined;
  if (isInPlace(from, to)) {
    const what = from.startsWith('NUMBER')
      ? 'a NUMBER with more precision at the same scale'
      : 'a longer VARCHAR';
    return { on: 'target', from, to, action: 'alter', reason: `${what} is altered in place` };
  }
  const cannot = cannotAlter(from, to);
  if (before.primaryKey || after.primaryKey) {
    return {
      on: 'target',
      from,
      to,
      action: 'refuse',
      reason:
        `${cannot}, and ${after.name} is part of the MERGE key (primary_key), which a copy into a new column would ` +
        'drop. Load the table under a new name instead: add it as a new table file with a new `name`, generate, ' +
        'apply, extract it, then delete the old table file (generate writes a migration that retires its objects)',
    };
  }
  if (COPY_COLUMN_PREFIX.length + after.name.length > 255) {
    return {
      on: 'target',
      from,
      to,
      action: 'refuse',
      reason: `${cannot}, and the column name is too long for the temporary column a copy needs (255 characters)`,
    };
  }
  return {
    on: 'target',
    from,
    to,
    action: 'copy',
    reason: `${cannot}: the values are recomputed from the landing table into a new column that replaces it`,
  };
}

/** ALTER COLUMN … SET DATA TYPE can do it: a longer VARCHAR, or more NUMBER precision at the same scale. */
export function isInPlace(from: string, to: string): boolean {
  const [a, b] = [varcharLength(from), varcharLength(to)];
  if (a !== undefined && b !== undefined) return b > a;
  const [x, y] = [numberType(from), numberType(to)];
  return x !== undefined && y !== undefined && x.scale === y.scale && y.precision > x.precision;
}

function cannotAlter(from: string, to: string): string {
  const [x, y] = [numberType(from), numberType(to)];
  if (x && y && x.scale !== y.scale)
    return `Snowflake cannot change a NUMBER's scale in place (${from} to ${to})`;
  if (x && y)
    return `Snowflake lowers a NUMBER's precision in place only when every value fits (${from} to ${to})`;
  const [a, b] = [varcharLength(from), varcharLength(to)];
  if (a !== undefined && b !== undefined)
    return `Snowflake cannot shorten a VARCHAR in place (${from} to ${to})`;
  return `Snowflake cannot change a column's type in place from ${from} to ${to}`;
}

/** VARCHAR without a length is Snowflake's default maximum, 16777216 characters (data-types-text). */
function varcharLength(type: string): number | undefined {
  const match = /^VARCHAR(?:\((\d+)\))?$/.exec(type);
  if (!match) return undefined;
  return match[1] === undefined ? 16777216 : Number(match[1]);
}

function numberType(type: string): { precision: number; scale: number } | undefined {
  const match = /^NUMBER\((\d+),(\d+)\)$/.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}
