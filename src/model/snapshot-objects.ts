/**
 * The Snowflake objects a snapshot table (mode: snapshot) has besides its landing table, data pipe and target:
 * its completion markers' table and pipe and the prune task, named after the target table in the raw schema. The
 * apply task is the table's `task` (`<TARGET>_MERGE`), so task monitoring covers it unchanged.
 */
import type { QualifiedName, TableModel } from './types.js';

export function snapshotObjects(table: TableModel): {
  markers: QualifiedName;
  markersPipe: QualifiedName;
  pruneTask: QualifiedName;
} {
  const raw = (suffix: string): QualifiedName => ({
    ...table.rawTable,
    name: `${table.targetTable.name}${suffix}`,
  });
  return {
    markers: raw('_SNAPSHOTS'),
    markersPipe: raw('_SNAPSHOTS_PIPE'),
    pruneTask: raw('_SNAPSHOTS_PRUNE'),
  };
}
