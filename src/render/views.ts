/**
 * View models for the SQL templates: every name and value is already quoted by src/sql/quote.ts, so the
 * templates only lay text out.
 */
import { META } from '../model/names.js';
import {
  type ColumnModel,
  cursorOf,
  type MergeSchedule,
  type PipelineModel,
  type TableModel,
} from '../model/types.js';
import {
  identifier as id,
  lineCommentText,
  literal,
  qualified,
  qualifiedNameLiteral,
  qualifiedSchema,
} from '../sql/quote.js';
import { convertExpression } from './conversions.js';

/** Snapshot (and key snapshot) files are `<run id>-<sequence>.csv.gz`, run ids like 20261125T153012345Z-a1b2c3. */
export const SNAPSHOT_FILE_PATTERN = '.*/[0-9]{8}T[0-9]{9}Z-[0-9a-f]{6}-[0-9]{6}[.]csv[.]gz';
/** A snapshot's completion marker. */
export const MARKER_FILE_PATTERN = '.*/complete[.]csv[.]gz';

export interface Header {
  readonly pipeline: string;
  readonly title: string;
  readonly sources: string;
}

const comment = (text: string) => literal(`snowstage: ${text}`);

export function schemasView(model: PipelineModel) {
  const { database, rawSchema, targetSchema } = model.snowflake;
  return {
    rawSchema: qualifiedSchema(database, rawSchema),
    targetSchema: qualifiedSchema(database, targetSchema),
  };
}

export function integrationView(model: PipelineModel) {
  const integration = model.snowflake.integration;
  return {
    name: id(integration.name),
    provider: literal(storageProvider(integration.awsRoleArn)),
    roleArn: literal(integration.awsRoleArn),
    externalId: integration.externalId === undefined ? undefined : literal(integration.externalId),
    allowedLocations: integration.allowedLocations.map(literal).join(', '),
    comment: comment(`S3 access for pipeline ${model.name}`),
  };
}

function storageProvider(roleArn: string): string {
  if (roleArn.startsWith('arn:aws-us-gov:')) return 'S3GOV';
  if (roleArn.startsWith('arn:aws-cn:')) return 'S3CHINA';
  return 'S3';
}

/**
 * Reference §2 "Recommended for the extractor", in the order of the CSV formatTypeOptions on
 * https://docs.snowflake.com/en/sql-reference/sql/create-file-format. The header option goes in between
 * (`headerOption`): the pipes' format matches columns by the header, the stage's format skips it.
 */
function csvOptions(headerOption: string): string[] {
  return [
    'COMPRESSION = GZIP',
    "RECORD_DELIMITER = '\\n'",
    "FIELD_DELIMITER = ','",
    headerOption,
    'SKIP_BLANK_LINES = FALSE',
    'BINARY_FORMAT = BASE64',
    'ESCAPE = NONE',
    'ESCAPE_UNENCLOSED_FIELD = NONE',
    'TRIM_SPACE = FALSE',
    "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'",
    'NULL_IF = ()',
    // INCLUDE_METADATA on CSV requires it (reference §4); the header still names every column.
    'ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE',
    'REPLACE_INVALID_CHARACTERS = FALSE',
    'EMPTY_FIELD_AS_NULL = TRUE',
    'SKIP_BYTE_ORDER_MARK = TRUE',
    "ENCODING = 'UTF8'",
  ];
}

/**
 * Two formats with the same options but the header: the pipes' COPY names the first (PARSE_HEADER, which
 * MATCH_BY_COLUMN_NAME needs); the stage's default is the second, because PARSE_HEADER is only accepted with
 * MATCH_BY_COLUMN_NAME or INFER_SCHEMA and would make an ad-hoc `SELECT $1 FROM @stage` fail (reference §14).
 * A pipe's COPY cannot add options to a named format, and rewriting it inline would change every pipe's COPY
 * text, which only a pipe migration can do; the pipes' format keeps its name and so their COPY is unchanged.
 */
export function fileFormatView(model: PipelineModel) {
  const { fileFormat, stageFileFormat } = model.snowflake;
  return {
    formats: [
      {
        name: qualified(fileFormat),
        use: "the pipes' COPY (columns matched by the header row)",
        options: csvOptions('PARSE_HEADER = TRUE'),
        comment: comment(
          `lossless CSV written by the extractor of pipeline ${model.name}, read by its pipes`,
        ),
      },
      {
        name: qualified(stageFileFormat),
        use: "the stage's default, for ad-hoc queries of staged files (header row skipped)",
        options: csvOptions('SKIP_HEADER = 1'),
        comment: comment(`staged files of pipeline ${model.name} for ad-hoc queries (header skipped)`),
      },
    ],
  };
}

export function stageView(model: PipelineModel) {
  return {
    name: qualified(model.snowflake.stage),
    url: literal(model.s3.dataUrl),
    integration: id(model.snowflake.integration.name),
    // FORMAT_NAME takes a string in the documented syntax (reference §3); quoted parts keep their case inside it.
    fileFormat: qualifiedNameLiteral(model.snowflake.stageFileFormat),
    comment: comment(`data files of pipeline ${model.name}`),
  };
}

const landingMetaColumns = [
  { name: id(META.op), type: 'VARCHAR(1)' },
  { name: id(META.file), type: 'VARCHAR' },
  { name: id(META.fileRow), type: 'NUMBER(38,0)' },
  { name: id(META.loadedAt), type: 'TIMESTAMP_LTZ(9)' },
];

export function landingTableView(table: TableModel) {
  return {
    name: qualified(table.rawTable),
    // snapshot files carry _SNOWSTAGE_OP too (the same row encoding), always empty: absence from a snapshot is the delete
    columns: [...table.columns.map((c) => ({ name: id(c.name), type: c.rawType })), ...landingMetaColumns],
    comment: comment(`landing table for MySQL table ${table.sourceTable}, loaded by Snowpipe`),
  };
}

export function targetTableView(table: TableModel) {
  const keys = new Set(table.primaryKey.map((c) => c.name));
  const columns = table.columns.map((c) => ({
    name: id(c.name),
    type: c.snowflakeType,
    default: '',
    notNull: keys.has(c.name),
    comment: lineCommentText(`MySQL ${c.mysqlType.text}`),
  }));
  const plain = { default: '', notNull: false };
  const meta = [
    { name: id(META.file), type: 'VARCHAR', ...plain, comment: 'file the row version came from' },
    { name: id(META.fileRow), type: 'NUMBER(38,0)', ...plain, comment: 'row number in that file' },
    { name: id(META.mergedAt), type: 'TIMESTAMP_LTZ(9)', ...plain, comment: 'when the MERGE wrote it' },
    {
      name: id(META.deleted),
      type: 'BOOLEAN',
      // in CREATE TABLE only (ADD COLUMN IF NOT EXISTS refuses a DEFAULT): rows merged before this column existed
      // hold NULL instead, which every reader takes as FALSE
      default: 'FALSE',
      notNull: false,
      comment: 'TRUE: the newest version is a delete (a tombstone)',
    },
  ];
  return {
    name: qualified(table.targetTable),
    columns: [...columns, ...meta],
    primaryKey: table.primaryKey.map((c) => id(c.name)).join(', '),
    liveView: table.liveView ? qualified(table.liveView) : undefined,
    snapshotNote: snapshotNote(table),
    comment: comment(`MySQL table ${table.sourceTable}, merged from ${table.rawTable.name} landing rows`),
  };
}

/** How a snapshot table's target differs from the incremental description above it. */
function snapshotNote(table: TableModel): string | undefined {
  if (table.mode !== 'snapshot') return undefined;
  if (table.primaryKey.length > 0) {
    return 'Snapshot table (mode: snapshot): 5_snapshot.sql makes it equal to the latest complete snapshot; keys absent from it are tombstones.';
  }
  return 'Keyless snapshot table (mode: snapshot): no key and no tombstones; 5_snapshot.sql replaces its rows with each complete snapshot (a row is identified by its file and row), and _SNOWSTAGE_DELETED stays FALSE.';
}

export function streamView(table: TableModel) {
  return {
    name: qualified(table.stream),
    table: qualified(table.rawTable),
    comment: comment(`new landing rows for the MERGE task of ${table.name}`),
  };
}

export function pipeView(model: PipelineModel, table: TableModel) {
  return {
    name: qualified(table.pipe),
    table: qualified(table.rawTable),
    from: `@${qualified(model.snowflake.stage)}/${table.stagePath}`,
    // a snapshot table's folder also holds the completion markers, loaded by their own pipe (5_snapshot.sql)
    pattern: table.mode === 'snapshot' ? literal(SNAPSHOT_FILE_PATTERN) : undefined,
    // FORMAT_NAME takes a string in the documented syntax (reference §3); quoted parts keep their case inside it.
    fileFormat: qualifiedNameLiteral(model.snowflake.fileFormat),
    notificationPrefix: table.dataKeyPrefix,
    errorIntegration: optionalId(model.snowflake.errorIntegration),
    monitorRole: optionalId(model.snowflake.monitorRole),
    metadata: [
      `${id(META.file)} = METADATA$FILENAME`,
      `${id(META.fileRow)} = METADATA$FILE_ROW_NUMBER`,
      `${id(META.loadedAt)} = METADATA$START_SCAN_TIME`,
    ],
    comment: comment(`loads s3://${model.s3.bucket}/${table.dataKeyPrefix} into ${table.rawTable.name}`),
  };
}

export function mergeTaskView(model: PipelineModel, table: TableModel) {
  const s = (c: ColumnModel) => `s.${id(c.name)}`;
  const nonKey = table.columns.filter((c) => !table.primaryKey.includes(c));
  const versionColumns = [id(META.file), id(META.fileRow)];
  const readAt = readTimeOf(table, `r.${id(META.file)}`);
  const select = [
    ...table.columns.map((c) => `${convertExpression(c, `r.${id(c.name)}`)} AS ${id(c.name)}`),
    ...[META.op, META.file, META.fileRow].map((m) => `r.${id(m)} AS ${id(m)}`),
    ...(readAt === undefined ? [] : [`${readAt} AS ${id(META.readAt)}`]),
  ];
  return {
    name: qualified(table.task),
    warehouse: model.snowflake.warehouse === undefined ? undefined : id(model.snowflake.warehouse),
    schedule: scheduleLiteralOf(table.mergeSchedule),
    stream: qualified(table.stream),
    streamLiteral: qualifiedNameLiteral(table.stream),
    target: qualified(table.targetTable),
    comment: comment(`merges ${table.stream.name} into ${table.targetTable.name}`),
    suspendAfterFailures: String(model.snowflake.taskFailures.suspendAfterFailures),
    autoRetryAttempts: String(model.snowflake.taskFailures.autoRetryAttempts),
    errorIntegration: optionalId(model.snowflake.errorIntegration),
    failurePolicy: failurePolicyOf(model),
    selectList: select,
    partitionBy: table.primaryKey.map((c) => `c.${id(c.name)}`).join(', '),
    orderBy: [
      `${versionCursor(table, 'c', sourceReadAt(table, 'c'))} DESC NULLS LAST`,
      ...versionColumns.map((v) => `c.${v} DESC`),
    ].join(', '),
    on: table.primaryKey.map((c) => `t.${id(c.name)} = ${s(c)}`).join(' AND '),
    deletedRule: deletedRule(table),
    newer: newerPredicate(table),
    updateSet: [
      ...nonKey.map((c) => `${id(c.name)} = ${s(c)}`),
      ...versionColumns.map((v) => `${v} = s.${v}`),
      `${id(META.mergedAt)} = CURRENT_TIMESTAMP`,
      `${id(META.deleted)} = ${deletedPredicate(table)}`,
    ],
    insertColumns: [
      ...table.columns.map((c) => id(c.name)),
      ...versionColumns,
      id(META.mergedAt),
      id(META.deleted),
    ],
    insertValues: [
      ...table.columns.map(s),
      ...versionColumns.map((v) => `s.${v}`),
      'CURRENT_TIMESTAMP',
      deletedPredicate(table),
    ],
  };
}

export function optionalId(name: string | undefined): string | undefined {
  return name === undefined ? undefined : id(name);
}

/** One comment line a reviewer can check the task's failure clauses against. */
export function failurePolicyOf(model: PipelineModel): string {
  const { suspendAfterFailures, autoRetryAttempts } = model.snowflake.taskFailures;
  const retries = `a failed run is retried ${autoRetryAttempts} time${autoRetryAttempts === 1 ? '' : 's'}`;
  const suspend =
    suspendAfterFailures === 0
      ? 'the task is never suspended for failing'
      : `Snowflake suspends the task after ${suspendAfterFailures} failed runs in a row`;
  const notify =
    model.snowflake.errorIntegration === undefined
      ? 'no error notifications (snowflake.error_integration is not set)'
      : `errors go to notification integration ${model.snowflake.errorIntegration}`;
  return lineCommentText(`${retries}; ${suspend}; ${notify}.`);
}

export function scheduleLiteralOf(schedule: MergeSchedule): string {
  return schedule.kind === 'interval'
    ? literal(`${schedule.minutes} MINUTES`)
    : literal(`USING CRON ${schedule.expression} ${schedule.timeZone}`);
}

/** Never NULL: the value of _SNOWSTAGE_DELETED for the source row's version. */
function deletedPredicate(table: TableModel): string {
  const parts = [`COALESCE(s.${id(META.op)} = 'D', FALSE)`];
  const soft = table.softDelete;
  if (soft) {
    const col = `s.${id(soft.column.name)}`;
    if (soft.when === 'not_null') parts.push(`${col} IS NOT NULL`);
    else if (soft.column.snowflakeType === 'BOOLEAN') parts.push(`COALESCE(${col}, FALSE)`);
    else parts.push(`COALESCE(${col} <> 0, FALSE)`);
  }
  return `(${parts.join(' OR ')})`;
}

function deletedRule(table: TableModel): string {
  const soft = table.softDelete;
  const softText = soft
    ? ` or ${soft.column.source} ${soft.when === 'not_null' ? 'is not NULL' : 'is true'}`
    : '';
  return lineCommentText(`hard deletes the extractor marks with ${META.op} = 'D'${softText}`);
}

/**
 * (version cursor, file, row) of the source is strictly newer than the target's, in the order of the QUALIFY that
 * picks the source row (version cursor DESC NULLS LAST, file DESC, row DESC): a NULL cursor is the oldest. That
 * holds whatever the column's declared nullability: under zero_date: as_null a NOT NULL DATETIME cursor arrives as
 * NULL too. One lexicographic order on values of each version alone, so the result does not depend on which
 * versions share a batch or in which order files load.
 */
function newerPredicate(table: TableModel): string {
  const cursor = id(cursorOf(table).name);
  const [file, row] = [id(META.file), id(META.fileRow)];
  const source = versionCursor(table, 's', sourceReadAt(table, 's'));
  const target = versionCursor(table, 't', readTimeOf(table, `t.${file}`));
  const sameVersionLater = `(s.${file} > t.${file} OR (s.${file} = t.${file} AND s.${row} > t.${row}) OR t.${file} IS NULL)`;
  // a version cursor is NULL exactly when its cursor is: the NULL tests read the plain columns
  const branches = [
    `${source} > ${target}`,
    `(s.${cursor} IS NOT NULL AND t.${cursor} IS NULL)`,
    `(${source} IS NOT DISTINCT FROM ${target} AND ${sameVersionLater})`,
  ];
  return `(\n    ${branches.join('\n    OR ')}\n  )`;
}

/**
 * A version's cursor as the MERGE orders it: the cursor, but no later than the time its run started reading MySQL
 * (`readAt`). A cursor later than that lay in the future when it was read (a client clock ahead, a placeholder
 * such as 2038-01-19): it cannot be trusted, and its row's next update, stamped with the real time, moves the
 * cursor backwards. Counted as read time instead, that next version (written after the read, so with a later
 * cursor) wins, whichever order the files load in. Every cursor the extractor's window reads lies at or below its
 * run's start, so for them nothing changes: the cursor still orders versions first. `readAt` NULL (a file name
 * that is not a run id, a row merged with no file) or a NULL cursor: the cursor as it is.
 */
function versionCursor(table: TableModel, alias: string, readAt: string | undefined): string {
  const cursor = `${alias}.${id(cursorOf(table).name)}`;
  if (readAt === undefined) return cursor;
  return `CASE WHEN ${cursor} > ${readAt} THEN ${readAt} ELSE ${cursor} END`;
}

/** The source's read time, computed once in the MERGE's source subquery (absent for cursors with no clock). */
function sourceReadAt(table: TableModel, alias: string): string | undefined {
  return readTimeOf(table, `${alias}.${id(META.file)}`) === undefined
    ? undefined
    : `${alias}.${id(META.readAt)}`;
}

/**
 * When the run that wrote `file` started (UTC, from the run id at the head of the file name, src/extract/naming.ts:
 * `…/20261125T153012345Z-a1b2c3-000001.csv.gz`), as a value of the cursor's Snowflake type, in the cursor's clock:
 * - TIMESTAMP cursors are instants (read in UTC): the run's start as such.
 * - DATETIME cursors with `cursor.time_zone`: the wall clock in that zone at the run's start.
 * - DATETIME cursors without it, and DATE cursors, follow the MySQL server's zone, which the MERGE cannot know: the
 *   latest wall clock any zone shows then (UTC+14), so that no cursor the window reads is ever later than it.
 * - Numeric cursors have no clock: undefined (versions are ordered by cursor, then file, as before).
 * The run's start is read with the extractor's clock, the cursor with MySQL's: see the README's cursor contract.
 */
export function readTimeOf(table: TableModel, file: string): string | undefined {
  const cursor = cursorOf(table);
  const type = cursor.snowflakeType;
  // the run id's date and time to the second: `20261125T153012` (its milliseconds are left out, which only moves
  // the bound earlier, by less than a second); a name that is not a run id makes the TRY_ conversion NULL
  const runStart = `LEFT(SPLIT_PART(${file}, '/', -1), 15)`;
  const utcWallClock = `TRY_TO_TIMESTAMP_NTZ(${runStart}, ${literal(RUN_ID_FORMAT)})`;
  const latestWallClock = `(${utcWallClock} + INTERVAL '14 hours')`;
  if (type.startsWith('TIMESTAMP_TZ') || type.startsWith('TIMESTAMP_LTZ')) {
    const fn = type.startsWith('TIMESTAMP_TZ') ? 'TRY_TO_TIMESTAMP_TZ' : 'TRY_TO_TIMESTAMP_LTZ';
    return `${fn}(${runStart} || ' +00:00', ${literal(`${RUN_ID_FORMAT} TZH:TZM`)})`;
  }
  if (type.startsWith('TIMESTAMP_NTZ')) {
    if (cursor.encoding === 'timestamp_utc') return utcWallClock;
    if (cursor.encoding !== 'datetime') return undefined;
    return table.cursorTimeZone === undefined
      ? latestWallClock
      : `CONVERT_TIMEZONE('UTC', ${literal(table.cursorTimeZone)}, ${utcWallClock})`;
  }
  if (type === 'DATE' && cursor.encoding === 'date') return `CAST(${latestWallClock} AS DATE)`;
  return undefined;
}

/** The head of a run id (src/extract/naming.ts), `20261125T153012`, as a Snowflake format; "T" is a literal. */
export const RUN_ID_FORMAT = 'YYYYMMDD"T"HH24MISS';

/** Rows merged before the tombstone column existed hold NULL there; they were live. */
const isLive = `COALESCE(${id(META.deleted)}, FALSE) = FALSE`;
const isTombstone = `${id(META.deleted)} = TRUE`;

export function liveView(table: TableModel) {
  if (!table.liveView) return undefined;
  return {
    name: qualified(table.liveView),
    target: qualified(table.targetTable),
    columns: table.columns.map((c) => id(c.name)),
    live: isLive,
    comment: comment(
      `rows of ${table.targetTable.name} that are not deleted (MySQL table ${table.sourceTable})`,
    ),
  };
}

export function purgeTombstonesView(model: PipelineModel) {
  return {
    tables: model.tables.map((t) => ({
      name: t.name,
      target: qualified(t.targetTable),
      tombstone: isTombstone,
      mergedAt: id(META.mergedAt),
      days: String(t.tombstoneRetentionDays),
    })),
  };
}
