/**
 * The Snowflake objects a snapshot table (mode: snapshot) has besides its landing table, data pipe and target:
 * its completion markers' table and pipe and the prune task, named after the target table in the raw schema. The
 * apply task is the table's `task` (`<TARGET>_MERGE`), so task monitoring covers it unchanged.
 */
import type { QualifiedName, TableModel } from './types.js';

export interface SnapshotObjects {
  readonly markers: QualifiedName;
  readonly markersPipe: QualifiedName;
  readonly pruneTask: QualifiedName;
}

export function snapshotObjects(table: TableModel): SnapshotObjects {
  return snapshotObjectsOf(table.rawTable, table.targetTable.name);
}

/** The same names from the landing table and target name alone (a retired table's model.json entry). */
export function snapshotObjectsOf(landing: QualifiedName, targetName: string): SnapshotObjects {
  const raw = (suffix: string): QualifiedName => ({ ...landing, name: `${targetName}${suffix}` });
  return {
    markers: raw('_SNAPSHOTS'),
    markersPipe: raw('_SNAPSHOTS_PIPE'),
    pruneTask: raw('_SNAPSHOTS_PRUNE'),
  };
}
