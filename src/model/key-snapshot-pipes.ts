/**
 * The two pipes that load a table's key snapshots (delete_detection): key files and completion markers, both on
 * the table's `_keys/` folder (told apart by PATTERN). Named after the target table, in the raw schema.
 */
import type { QualifiedName, TableModel } from './types.js';

export function keySnapshotPipes(table: TableModel): { keys: QualifiedName; markers: QualifiedName } {
  return keySnapshotPipesOf(table.rawTable, table.targetTable.name);
}

/** The same names from the landing table and target name alone (a model.json entry). */
export function keySnapshotPipesOf(
  landing: QualifiedName,
  targetName: string,
): { keys: QualifiedName; markers: QualifiedName } {
  const raw = (suffix: string): QualifiedName => ({ ...landing, name: `${targetName}${suffix}` });
  return { keys: raw('_KEYS_PIPE'), markers: raw('_KEY_SNAPSHOTS_PIPE') };
}

/** The bucket-notification entry of a table's key snapshots: a name no table can have (`.` is not allowed). */
export function keySnapshotNotification(table: TableModel): string {
  return `${table.name}.keys`;
}
