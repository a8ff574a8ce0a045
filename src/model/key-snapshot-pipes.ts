/**
 * The two pipes that load a table's key snapshots (delete_detection): key files and completion markers, both on
 * the table's `_keys/` folder (told apart by PATTERN). Named after the target table, in the raw schema.
 */
import type { QualifiedName, TableModel } from './types.js';

export function keySnapshotPipes(table: TableModel): { keys: QualifiedName; markers: QualifiedName } {
  const raw = (suffix: string): QualifiedName => ({
    ...table.rawTable,
    name: `${table.targetTable.name}${suffix}`,
  });
  return { keys: raw('_KEYS_PIPE'), markers: raw('_KEY_SNAPSHOTS_PIPE') };
}

/** The bucket-notification entry of a table's key snapshots: a name no table can have (`.` is not allowed). */
export function keySnapshotNotification(table: TableModel): string {
  return `${table.name}.keys`;
}
