/**
 * What `generate` says about the model, not only about files: tables and columns added, removed or retyped,
 * and what covers each change (a table file, a migration, or nothing, with the reason). Pure text.
 */
import { manifestPipes } from './manifest.js';
import type { MigrationResult } from './migrations.js';

export function formatModelChanges(result: MigrationResult, displayDir: string): string {
  const { diff, added } = result;
  const at = (kind: string, table?: string) =>
    added.find((m) => m.kind === kind && (table === undefined || m.path.endsWith(`_${table}.sql`)))?.path ??
    added.find((m) => m.kind === kind)?.path;
  const where = (path: string | undefined) =>
    path === undefined ? 'a migration (not written: see the errors below)' : `${displayDir}/${path}`;
  const lines: string[] = [];
  for (const table of diff.tablesAdded) {
    lines.push(`table ${table} added: created by ${displayDir}/2_tables/${table}/`);
  }
  for (const table of diff.tablesRemoved) {
    lines.push(
      `table ${table.name} removed: its pipe, task and stream are paused and dropped by ${where(at('retire_table', table.name))}`,
    );
  }
  for (const { table, column } of diff.columnsAdded) {
    lines.push(
      `table ${table}: column ${column} added: ADD COLUMN IF NOT EXISTS in ${displayDir}/2_tables/${table}/1_landing_table.sql and 2_target_table.sql`,
    );
  }
  for (const { table, column } of diff.columnsRemoved) {
    lines.push(
      `table ${table}: column ${column} removed: left in both Snowflake tables (nothing drops a column); the MERGE no longer writes it`,
    );
  }
  for (const c of diff.typeChanges) {
    const what = `table ${c.table}: column ${c.column}: ${c.on} type ${c.from} -> ${c.to}`;
    if (c.action === 'alter')
      lines.push(`${what}: ALTER COLUMN ... SET DATA TYPE in ${where(at('column_types'))}`);
    else if (c.action === 'copy')
      lines.push(`${what}: rebuilt by ${where(at('column_types'))} (${c.reason})`);
    else if (c.action === 'keep') lines.push(`${what}: not changed (${c.reason})`);
    else lines.push(`${what}: refused (see the error below)`);
  }
  if (result.recreatedPipes.length > 0) {
    lines.push(`pipes of ${result.recreatedPipes.join(', ')}: recreated by ${where(at('recreate_pipes'))}`);
  }
  for (const table of diff.pipesRetired) {
    const pipes = manifestPipes(table);
    const its = pipes.length === 1 ? 'its pipe is' : `its pipes ${pipes.map((p) => p.name).join(', ')} are`;
    lines.push(
      `table ${table.name}: loader snowpipe -> lambda: ${its} drained and dropped by ${where(at('retire_pipes'))}; run it before deploying the loader (README, "AWS Lambda")`,
    );
  }
  for (const table of diff.pipesAdded) {
    lines.push(
      `table ${table}: loader lambda -> snowpipe: its pipe is created by ${displayDir}/2_tables/${table}/4_pipe.sql; deploy the Lambda template first (its rule stops matching the folder), then apply (README, "AWS Lambda")`,
    );
  }
  if (lines.length === 0) return '';
  return `model changes:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
