/**
 * The committed migrations/ of generated/<pipeline>/, searched for the statement that resolves a change, so plan
 * can name the migration to run instead of only describing the drift. A migration that is found while the drift
 * is still live has not run yet (generate numbers them; the latest one that does it is named).
 */
import { COPY_COLUMN_PREFIX } from '../generated/model-diff.js';
import type { QualifiedName } from '../model/types.js';
import { identifier, qualified } from '../sql/quote.js';

export interface MigrationFiles {
  /** as the user would type it, e.g. `generated/bookstore/migrations/` */
  readonly displayDir: string;
  /** path (`migrations/001_….sql`) → SQL */
  readonly files: ReadonlyMap<string, string>;
}

export const NO_MIGRATIONS: MigrationFiles = { displayDir: 'migrations/', files: new Map() };

/** The name (e.g. `003_retire_table_authors`) of the latest committed migration containing any of `statements`. */
export function latestMigration(
  migrations: MigrationFiles,
  statements: readonly string[],
): string | undefined {
  return [...migrations.files]
    .filter(([path, sql]) => path.endsWith('.sql') && statements.some((s) => sql.includes(s)))
    .map(([path]) => path.replace(/^migrations\//, '').replace(/\.sql$/, ''))
    .sort()
    .at(-1);
}

export function runAdvice(migrations: MigrationFiles, migration: string): string {
  return `review and run ${migrations.displayDir}${migration}.sql with apply --migration ${migration}`;
}

/** generate's change_column_types migration: widened in place, or rebuilt into a copy renamed over the column. */
export function retypingStatements(table: QualifiedName, column: string): string[] {
  const [t, c] = [qualified(table), identifier(column)];
  return [
    `ALTER TABLE ${t} ALTER COLUMN ${c} SET DATA TYPE`,
    `ALTER TABLE ${t} RENAME COLUMN ${identifier(`${COPY_COLUMN_PREFIX}${column}`)} TO ${c}`,
  ];
}
