/**
 * View model of a table's delete detection (delete_detection): key-snapshot landing tables, their pipes, and the
 * task that marks rows absent from the latest complete key snapshot as tombstones. See the template's comment.
 */

import { keySnapshotPipes } from '../model/key-snapshot-pipes.js';
import { META } from '../model/names.js';
import {
  cursorOf,
  hasPipe,
  type PipelineModel,
  type QualifiedName,
  type TableModel,
} from '../model/types.js';
import { identifier as id, lineCommentText, literal, qualified, qualifiedNameLiteral } from '../sql/quote.js';
import { convertExpression } from './conversions.js';
import { MARKER_FILE_PATTERN, optionalId, SNAPSHOT_FILE_PATTERN } from './views.js';

/** Marker columns, as the extractor's complete.csv.gz header names them (src/extract/key-snapshot.ts). */
export const MARKER = {
  snapshotId: 'SNAPSHOT_ID',
  startCursor: 'START_CURSOR',
  keyFile: 'KEY_FILE',
  keyFileRows: 'KEY_FILE_ROWS',
} as const;

/** Key files and markers are named like a snapshot table's files (views.ts). */
const KEY_FILE_PATTERN = SNAPSHOT_FILE_PATTERN;
const MARKER_PATTERN = MARKER_FILE_PATTERN;

export function deleteDetectionView(model: PipelineModel, table: TableModel) {
  const every = table.deleteDetection;
  if (!every) return undefined;
  const raw = (suffix: string): QualifiedName => ({
    ...table.rawTable,
    name: `${table.targetTable.name}${suffix}`,
  });
  const keysTable = raw('_KEYS');
  const markersTable = raw('_KEY_SNAPSHOTS');
  const loadMeta = [
    { name: id(META.file), type: 'VARCHAR' },
    { name: id(META.loadedAt), type: 'TIMESTAMP_LTZ(9)' },
  ];
  const stageFolder = table.keysKeyPrefix.slice(table.dataKeyPrefix.length - table.stagePath.length);
  const pipes = keySnapshotPipes(table);
  // the COPY of each pipe (table/pipe_copy): in its CREATE PIPE, or run by the Lambda COPY loader (loader: lambda)
  const copyOf = (into: QualifiedName, pattern: string) => ({
    table: qualified(into),
    from: `@${qualified(model.snowflake.stage)}/${stageFolder}`,
    pattern: literal(pattern),
    fileFormat: qualifiedNameLiteral(model.snowflake.fileFormat),
    metadata: [`${id(META.file)} = METADATA$FILENAME`, `${id(META.loadedAt)} = METADATA$START_SCAN_TIME`],
  });
  return {
    everyMinutes: String(every.everyMinutes),
    keysFolder: lineCommentText(`s3://${model.s3.bucket}/${table.keysKeyPrefix}`),
    notificationPrefix: lineCommentText(table.keysKeyPrefix),
    keysTable: qualified(keysTable),
    keyColumns: [...table.primaryKey.map((c) => ({ name: id(c.name), type: c.rawType })), ...loadMeta],
    keysComment: literal(`snowstage: key snapshots of MySQL table ${table.sourceTable} (delete detection)`),
    markersTable: qualified(markersTable),
    markerColumns: [
      ...Object.values(MARKER).map((name) => ({ name: id(name), type: 'VARCHAR' })),
      ...loadMeta,
    ],
    markersComment: literal(`snowstage: completed key snapshots of MySQL table ${table.sourceTable}`),
    pipes: hasPipe(table),
    keysPipe: qualified(pipes.keys),
    keysPipeName: lineCommentText(pipes.keys.name),
    markersPipeName: lineCommentText(pipes.markers.name),
    keysCopy: copyOf(keysTable, KEY_FILE_PATTERN),
    markersCopy: copyOf(markersTable, MARKER_PATTERN),
    keysPipeComment: literal(
      `snowstage: loads key files under s3://${model.s3.bucket}/${table.keysKeyPrefix}`,
    ),
    markersPipe: qualified(pipes.markers),
    markersPipeComment: literal(
      `snowstage: loads completion markers under s3://${model.s3.bucket}/${table.keysKeyPrefix}`,
    ),
    task: qualified(raw('_DELETE_DETECTION')),
    pruneTask: qualified(raw('_KEYS_PRUNE')),
    warehouse: optionalId(model.snowflake.warehouse),
    schedule: literal(`${every.everyMinutes} MINUTES`),
    taskComment: literal(
      `snowstage: marks rows of ${table.targetTable.name} deleted from MySQL as tombstones`,
    ),
    pruneComment: literal(
      `snowstage: drops key snapshots of ${table.name} older than the latest complete one`,
    ),
    target: qualified(table.targetTable),
    deleted: id(META.deleted),
    mergedAt: id(META.mergedAt),
    live: `COALESCE(t.${id(META.deleted)}, FALSE) = FALSE`,
    cursor: id(cursorOf(table).name),
    snapshotStart: convertExpression(cursorOf(table), `snap.${id(MARKER.startCursor)}`),
    keyMatch: table.primaryKey.map((c) => `${convertExpression(c, `k.${id(c.name)}`)} = t.${id(c.name)}`),
    snapshotId: id(MARKER.snapshotId),
    startCursor: id(MARKER.startCursor),
    keyFile: id(MARKER.keyFile),
    file: id(META.file),
  };
}
