/**
 * View model of a snapshot table's apply (mode: snapshot): the markers table and pipe, the task whose MERGE makes
 * the target equal to the latest complete snapshot, and the task that prunes older snapshots. See the template.
 */
import { META } from '../model/names.js';
import { snapshotObjects } from '../model/snapshot-objects.js';
import { type ColumnModel, hasPipe, type PipelineModel, type TableModel } from '../model/types.js';
import { identifier as id, lineCommentText, literal, qualified, qualifiedNameLiteral } from '../sql/quote.js';
import { convertExpression } from './conversions.js';
import { MARKER } from './delete-detection-view.js';
import { failurePolicyOf, MARKER_FILE_PATTERN, optionalId, scheduleLiteralOf } from './views.js';

/** Marks the source rows of target rows to tombstone (keyed) or delete (keyless); never a table column. */
const ABSENT = '_SNOWSTAGE_ABSENT';

export function snapshotView(model: PipelineModel, table: TableModel) {
  if (table.mode !== 'snapshot') return undefined;
  const keyed = table.primaryKey.length > 0;
  return {
    chunking: keyed
      ? lineCommentText(`read in key order in chunks (${table.primaryKey.map((c) => c.source).join(', ')})`)
      : 'read in one pass (no key to page by)',
    folder: lineCommentText(`s3://${model.s3.bucket}/${table.dataKeyPrefix}`),
    pipeName: qualified(table.pipe),
    keyed,
    keyText: lineCommentText(table.primaryKey.map((c) => c.source).join(', ')),
    ...markersView(model, table),
    ...tasksView(model, table),
    ...mergeView(table),
  };
}

/** The completion markers' table and pipe. */
function markersView(model: PipelineModel, table: TableModel) {
  const objects = snapshotObjects(table);
  return {
    markersTable: qualified(objects.markers),
    markerColumns: [
      ...Object.values(MARKER).map((name) => ({ name: id(name), type: 'VARCHAR' })),
      { name: id(META.file), type: 'VARCHAR' },
      { name: id(META.loadedAt), type: 'TIMESTAMP_LTZ(9)' },
    ],
    markersComment: literal(`snowstage: completed snapshots of MySQL table ${table.sourceTable}`),
    pipes: hasPipe(table),
    markersPipe: qualified(objects.markersPipe),
    markersPipeName: lineCommentText(objects.markersPipe.name),
    // the pipe's COPY (table/pipe_copy): in its CREATE PIPE, or run by the Lambda COPY loader (loader: lambda)
    markersCopy: {
      table: qualified(objects.markers),
      from: `@${qualified(model.snowflake.stage)}/${table.stagePath}`,
      pattern: literal(MARKER_FILE_PATTERN),
      fileFormat: qualifiedNameLiteral(model.snowflake.fileFormat),
      metadata: [`${id(META.file)} = METADATA$FILENAME`, `${id(META.loadedAt)} = METADATA$START_SCAN_TIME`],
    },
    markersPipeComment: literal(
      `snowstage: loads snapshot completion markers under s3://${model.s3.bucket}/${table.dataKeyPrefix}`,
    ),
  };
}

/** The apply task and its prune task: names, schedule, failure handling. */
function tasksView(model: PipelineModel, table: TableModel) {
  return {
    failurePolicy: failurePolicyOf(model),
    task: qualified(table.task),
    pruneTask: qualified(snapshotObjects(table).pruneTask),
    warehouse: optionalId(model.snowflake.warehouse),
    schedule: scheduleLiteralOf(table.mergeSchedule),
    errorIntegration: optionalId(model.snowflake.errorIntegration),
    suspendAfterFailures: String(model.snowflake.taskFailures.suspendAfterFailures),
    autoRetryAttempts: String(model.snowflake.taskFailures.autoRetryAttempts),
    taskComment: literal(
      `snowstage: makes ${table.targetTable.name} equal to the latest complete snapshot of ${table.sourceTable}`,
    ),
    pruneComment: literal(`snowstage: drops snapshots of ${table.name} older than the latest complete one`),
  };
}

/**
 * The MERGE's parts. Keyed: rows match by key; keyless: by where they came from (file and row of their
 * snapshot), so a snapshot's rows replace every row of an older one.
 */
function mergeView(table: TableModel) {
  const keyed = table.primaryKey.length > 0;
  const keys = new Set(table.primaryKey.map((c) => c.name));
  const nonKey = table.columns.filter((c) => !keys.has(c.name));
  const versions = [id(META.file), id(META.fileRow)];
  const s = (c: ColumnModel) => `s.${id(c.name)}`;
  return {
    target: qualified(table.targetTable),
    landing: qualified(table.rawTable),
    snapshotId: id(MARKER.snapshotId),
    dataFile: id(MARKER.keyFile),
    file: id(META.file),
    fileRow: id(META.fileRow),
    deleted: id(META.deleted),
    mergedAt: id(META.mergedAt),
    absent: id(ABSENT),
    selectList: table.columns.map((c) => `${convertExpression(c, `r.${id(c.name)}`)} AS ${id(c.name)}`),
    partitionBy: keyed
      ? table.primaryKey.map((c) => convertExpression(c, `r.${id(c.name)}`)).join(', ')
      : `r.${id(META.file)}, r.${id(META.fileRow)}`,
    absentSelect: [
      ...table.columns.map((c) =>
        keyed && !keys.has(c.name) ? `NULL AS ${id(c.name)}` : `o.${id(c.name)} AS ${id(c.name)}`,
      ),
      ...versions.map((v) => `o.${v} AS ${v}`),
    ],
    keyMatch: table.primaryKey.map((c) => `sr.${id(c.name)} = o.${id(c.name)}`).join(' AND '),
    on: keyed
      ? table.primaryKey.map((c) => `t.${id(c.name)} = ${s(c)}`).join(' AND ')
      : versions.map((v) => `t.${v} = s.${v}`).join(' AND '),
    changed:
      nonKey.length === 0
        ? 'FALSE'
        : `NOT (${nonKey.map((c) => `t.${id(c.name)} IS NOT DISTINCT FROM ${s(c)}`).join(' AND ')})`,
    updateSet: [
      ...nonKey.map((c) => `${id(c.name)} = ${s(c)}`),
      ...versions.map((v) => `${v} = s.${v}`),
      `${id(META.mergedAt)} = CURRENT_TIMESTAMP`,
      `${id(META.deleted)} = FALSE`,
    ],
    insertColumns: [
      ...table.columns.map((c) => id(c.name)),
      ...versions,
      id(META.mergedAt),
      id(META.deleted),
    ],
    insertValues: [...table.columns.map(s), ...versions.map((v) => `s.${v}`), 'CURRENT_TIMESTAMP', 'FALSE'],
  };
}
