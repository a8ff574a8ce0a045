/**
 * A generated table against the live one: its kind, missing columns (apply adds them), columns of another type
 * (the committed change_column_types migration that retypes one, else whether Snowflake can alter it in place,
 * as generate's classifier decides), and columns the metadata does not have. Columns compare by exact name and
 * canonical type.
 */
import { isInPlace } from '../generated/model-diff.js';
import { qualified } from '../sql/quote.js';
import { latestMigration, type MigrationFiles, retypingStatements, runAdvice } from './migrations.js';
import { create, find } from './records.js';
import type { LiveTable, PlanChange, WantedColumn, WantedTable } from './types.js';

type Base = Pick<PlanChange, 'object' | 'name' | 'label'>;

export function tableChanges(
  wanted: WantedTable,
  liveTables: readonly LiveTable[],
  migrations: MigrationFiles,
): PlanChange[] {
  const live = find(liveTables, wanted.name);
  if (!live) return [create('table', wanted.name, wanted.label)];
  const base: Base = { object: 'table', name: qualified(wanted.name), label: wanted.label };
  const liveColumns = new Map((live.columns ?? []).map((c) => [c.name, c.type]));
  return [
    ...kindChange(base, live),
    ...wanted.columns.flatMap((column) =>
      columnChange(base, column, keptWider(wanted, column, liveColumns.get(column.name)), () => {
        const migration = latestMigration(migrations, retypingStatements(wanted.name, column.name));
        return migration === undefined ? undefined : runAdvice(migrations, migration);
      }),
    ),
    ...extraColumns(base, wanted, liveColumns),
  ];
}

/**
 * A landing column wider than generated is what generate leaves after a type change it cannot apply in place
 * ('keep': Snowflake cannot shorten a VARCHAR, and a wider landing column loads the same text): it is no change.
 */
function keptWider(
  wanted: WantedTable,
  column: WantedColumn,
  liveType: string | undefined,
): string | undefined {
  return wanted.landing && liveType !== undefined && isInPlace(column.type, liveType)
    ? column.type
    : liveType;
}

function kindChange(base: Base, live: LiveTable): PlanChange[] {
  if (live.kind === '' || live.kind === 'TABLE') return [];
  return [
    {
      ...base,
      action: 'alter',
      property: 'kind',
      live: live.kind,
      wanted: 'TABLE',
      resolution: 'manual',
      note: 'apply does not change it: only a rebuilt table changes kind (Time Travel is lost, streams on it go stale)',
    },
  ];
}

function columnChange(
  base: Base,
  column: WantedColumn,
  liveType: string | undefined,
  /** how to run the committed migration that retypes the column, if there is one */
  retyping: () => string | undefined,
): PlanChange[] {
  if (liveType === undefined) {
    return [
      {
        ...base,
        action: 'add column',
        column: column.name,
        wanted: column.type,
        resolution: 'apply',
        note: 'apply adds it (ADD COLUMN IF NOT EXISTS)',
      },
    ];
  }
  if (liveType === column.type) return [];
  const change = {
    ...base,
    action: 'retype column',
    column: column.name,
    live: liveType,
    wanted: column.type,
  } as const;
  const advice = retyping();
  if (advice !== undefined)
    return [{ ...change, resolution: 'migration', note: `apply does not change it: ${advice}` }];
  return [
    {
      ...change,
      resolution: 'manual',
      note: isInPlace(liveType, column.type)
        ? 'apply does not change it; ALTER TABLE … ALTER COLUMN … SET DATA TYPE can widen it in place'
        : 'apply does not change it; Snowflake cannot convert it in place: the column must be rebuilt',
    },
  ];
}

function extraColumns(
  base: Base,
  wanted: WantedTable,
  liveColumns: ReadonlyMap<string, string>,
): PlanChange[] {
  const wantedNames = new Set(wanted.columns.map((c) => c.name));
  return [...liveColumns]
    .filter(([name]) => !wantedNames.has(name))
    .map(([name, type]) => ({
      ...base,
      action: 'extra column',
      column: name,
      live: type,
      resolution: 'manual',
      note: 'not in the metadata; apply leaves it (MERGE and pipe ignore it)',
    }));
}
