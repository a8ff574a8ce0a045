/** One table file → TableModel, collecting every semantic problem (columns, keys, cursor, types). */
import type { Diagnostic } from '../metadata/diagnostics.js';
import type { ColumnDoc, PipelineDoc, TableDoc, TableSettingsDoc } from '../metadata/documents.js';
import type { LoadedFile } from '../metadata/load.js';
import { checkModeFields } from './mode-checks.js';
import { parseMysqlType } from './mysql-type.js';
import { snowflakeNameProblem } from './name-checks.js';
import { isReservedColumn, resolveSnowflakeName, snowflakeColumnName } from './names.js';
import { DEFAULT_SCHEDULE, resolveSchedule } from './schedule.js';
import { applyOverride, defaultMapping, type MappedType, overrideUnmapped } from './type-map.js';
import type {
  ColumnModel,
  Encoding,
  MergeSchedule,
  MysqlType,
  QualifiedName,
  SoftDelete,
  TableModel,
} from './types.js';

export const TABLE_DEFAULTS = {
  nullCursor: 'oldest',
  zeroDate: 'fail',
  commitLagSeconds: 60,
  lookbackSeconds: 300,
  liveView: true,
  /** Snowpipe's load history (and the best-effort replay of its notifications) lasts 14 days */
  tombstoneRetentionDays: 14,
  /** two hours: many merge schedules, and a MERGE retried a few times, fit in it */
  maxMergeLagMinutes: 120,
  /** a day: extract schedules are not in the metadata, and a daily extract must not be reported every day */
  maxExtractAgeMinutes: 1440,
  loader: 'snowpipe',
} as const;

export const LIVE_VIEW_SUFFIX = '_LIVE';

/** Cursor columns must order rows in time or sequence. */
const CURSOR_ENCODINGS: ReadonlySet<Encoding> = new Set([
  'integer',
  'decimal',
  'date',
  'datetime',
  'timestamp_utc',
]);

/** Key columns must compare exactly in MySQL and after a round trip through text. */
const KEY_ENCODINGS: ReadonlySet<Encoding> = new Set([
  'integer',
  'decimal',
  'bit',
  'text',
  'base64',
  'date',
  'datetime',
  'timestamp_utc',
  'boolean',
]);

export interface TableContext {
  readonly pipeline: PipelineDoc;
  readonly database: string;
  readonly rawSchema: string;
  readonly targetSchema: string;
  /** s3 key prefix of the pipeline, "" or ending in "/" */
  readonly prefix: string;
}

export function buildTable(
  file: LoadedFile<TableDoc>,
  context: TableContext,
  diagnostics: Diagnostic[],
): TableModel | undefined {
  const { doc, source } = file;
  const problems: Diagnostic[] = [];
  const report = (pointer: string, message: string) => problems.push(source.at(pointer, message));
  const columns = buildColumns(doc, report);
  const byName = new Map(columns.map((c) => [c.source.toLowerCase(), c]));
  const declared = new Set(doc.columns.map((c) => c.name.toLowerCase()));
  const find = (name: string, pointer: string, role: string) => {
    const column = byName.get(name.toLowerCase());
    // A declared column that failed to build was already reported; don't repeat it as missing.
    if (!column && !declared.has(name.toLowerCase()))
      report(
        pointer,
        `found "${name}", expected the ${role} to be one of the columns: ${doc.columns.map((c) => c.name).join(', ')}`,
      );
    return column;
  };
  const mode = doc.mode ?? 'incremental';
  checkModeFields(doc, mode, report);
  const primaryKey = (doc.primary_key ?? []).map((name, i) =>
    find(name, `/primary_key/${i}`, 'primary key column'),
  );
  primaryKey.forEach((column, i) => {
    if (column && !KEY_ENCODINGS.has(column.encoding)) {
      report(
        `/primary_key/${i}`,
        `found key column "${column.source}" of type ${column.mysqlType.text}, expected an integer, decimal, text, binary, date or datetime column (the extractor pages through keys in order)`,
      );
    }
    if (column?.nullable)
      report(
        `/primary_key/${i}`,
        `found nullable key column "${column.source}", expected nullable: false (NULL keys never match in a MERGE)`,
      );
  });
  const settings = { ...context.pipeline.defaults, ...pick(doc) };
  if (settings.zero_date === 'as_null') checkZeroDateKeys(primaryKey, doc.zero_date !== undefined, report);
  const cursor = doc.cursor ? find(doc.cursor.column, '/cursor/column', 'cursor column') : undefined;
  if (cursor && !CURSOR_ENCODINGS.has(cursor.encoding)) {
    report(
      '/cursor/column',
      `found cursor "${cursor.source}" of type ${cursor.mysqlType.text}, expected an integer, decimal, date, datetime or timestamp column`,
    );
  }
  const timeZone = doc.cursor?.time_zone;
  if (timeZone !== undefined && cursor) checkCursorTimeZone(timeZone, cursor, report);
  const softDelete = buildSoftDelete(doc, find, report);
  const loader = settings.loader ?? TABLE_DEFAULTS.loader;
  const schedule = buildSchedule(settings, doc.merge_schedule ? '/merge_schedule' : undefined, report);
  const target = resolveSnowflakeName(doc.target_table ?? doc.name);
  checkName(
    doc.target_table ?? doc.name,
    target,
    '_STREAM',
    doc.target_table ? '/target_table' : '/name',
    report,
  );
  diagnostics.push(...problems);
  if (problems.length > 0 || (mode === 'incremental' && !cursor) || primaryKey.some((c) => c === undefined))
    return undefined;
  const stagePath = `${(doc.s3_path ?? doc.name).replace(/\/$/, '')}/`;
  const raw = (name: string): QualifiedName => ({
    database: context.database,
    schema: context.rawSchema,
    name,
  });
  return {
    mode,
    name: doc.name,
    file: source.file,
    sourceTable: doc.source_table,
    columns,
    primaryKey: primaryKey as ColumnModel[],
    cursor,
    cursorTimeZone: timeZone,
    nullCursor:
      doc.cursor?.null_policy ?? context.pipeline.defaults?.null_cursor ?? TABLE_DEFAULTS.nullCursor,
    softDelete,
    deleteDetection: doc.delete_detection ? { everyMinutes: doc.delete_detection.every_minutes } : undefined,
    loader,
    zeroDate: settings.zero_date === 'as_null' ? 'null' : TABLE_DEFAULTS.zeroDate,
    mergeSchedule: schedule ?? DEFAULT_SCHEDULE,
    commitLagSeconds: settings.commit_lag_seconds ?? TABLE_DEFAULTS.commitLagSeconds,
    lookbackSeconds: settings.lookback_seconds ?? TABLE_DEFAULTS.lookbackSeconds,
    stagePath,
    dataKeyPrefix: `${context.prefix}data/${stagePath}`,
    keysKeyPrefix: `${context.prefix}data/_keys/${stagePath}`,
    stateKeyPrefix: `${context.prefix}_snowstage/${doc.name}/`,
    rawTable: raw(target),
    targetTable: { database: context.database, schema: context.targetSchema, name: target },
    liveView:
      (settings.live_view ?? TABLE_DEFAULTS.liveView)
        ? { database: context.database, schema: context.targetSchema, name: `${target}${LIVE_VIEW_SUFFIX}` }
        : undefined,
    tombstoneRetentionDays: settings.tombstone_retention_days ?? TABLE_DEFAULTS.tombstoneRetentionDays,
    maxMergeLagMinutes: settings.max_merge_lag_minutes ?? TABLE_DEFAULTS.maxMergeLagMinutes,
    maxExtractAgeMinutes: settings.max_extract_age_minutes ?? TABLE_DEFAULTS.maxExtractAgeMinutes,
    stream: raw(`${target}_STREAM`),
    pipe: raw(`${target}_PIPE`),
    task: raw(`${target}_MERGE`),
  };
}

const TEMPORAL_ENCODINGS: ReadonlySet<Encoding> = new Set(['date', 'datetime', 'timestamp_utc']);

/** A zero date loaded as NULL would give a key column NULL: that row could never be matched, updated or deleted. */
function checkZeroDateKeys(
  primaryKey: readonly (ColumnModel | undefined)[],
  ownSetting: boolean,
  report: Report,
): void {
  primaryKey.forEach((column, i) => {
    if (!column || !TEMPORAL_ENCODINGS.has(column.encoding)) return;
    const where = ownSetting
      ? 'this table sets zero_date: as_null'
      : 'zero_date: as_null comes from the pipeline defaults';
    report(
      ownSetting ? '/zero_date' : `/primary_key/${i}`,
      `found key column "${column.source}" of type ${column.mysqlType.text} while ${where}, expected zero_date: fail for a table with a date key (a zero date would become a NULL key, which a MERGE never matches)`,
    );
  });
}

function pick(doc: TableDoc): TableSettingsDoc {
  const settings: TableSettingsDoc = {};
  if (doc.merge_schedule !== undefined) settings.merge_schedule = doc.merge_schedule;
  if (doc.zero_date !== undefined) settings.zero_date = doc.zero_date;
  if (doc.commit_lag_seconds !== undefined) settings.commit_lag_seconds = doc.commit_lag_seconds;
  if (doc.lookback_seconds !== undefined) settings.lookback_seconds = doc.lookback_seconds;
  if (doc.live_view !== undefined) settings.live_view = doc.live_view;
  if (doc.loader !== undefined) settings.loader = doc.loader;
  if (doc.tombstone_retention_days !== undefined)
    settings.tombstone_retention_days = doc.tombstone_retention_days;
  if (doc.max_merge_lag_minutes !== undefined) settings.max_merge_lag_minutes = doc.max_merge_lag_minutes;
  if (doc.max_extract_age_minutes !== undefined)
    settings.max_extract_age_minutes = doc.max_extract_age_minutes;
  return settings;
}

type Report = (pointer: string, message: string) => void;

function buildColumns(doc: TableDoc, report: Report): ColumnModel[] {
  const columns: ColumnModel[] = [];
  const seen = new Map<string, number>();
  doc.columns.forEach((column, i) => {
    const pointer = `/columns/${i}`;
    const name = snowflakeColumnName(column.name);
    const previous = seen.get(name);
    if (previous !== undefined) {
      report(
        `${pointer}/name`,
        `found "${column.name}" again (same as /columns/${previous}/name under Snowflake's case rules), expected unique column names`,
      );
      return;
    }
    seen.set(name, i);
    const built = buildColumn(column, name, pointer, report);
    if (built) columns.push(built);
  });
  return columns;
}

function buildColumn(
  column: ColumnDoc,
  name: string,
  pointer: string,
  report: Report,
): ColumnModel | undefined {
  if (isReservedColumn(name)) {
    report(
      `${pointer}/name`,
      `found "${column.name}", expected a name not starting with _snowstage_ (reserved for load metadata)`,
    );
  }
  checkName(column.name, name, '', `${pointer}/name`, report);
  const type = parseMysqlType(column.type);
  if ('error' in type) {
    report(`${pointer}/type`, type.error);
    return undefined;
  }
  const fallback = defaultMapping(type);
  const unmapped =
    'error' in fallback && column.snowflake_type ? overrideUnmapped(type, column.snowflake_type) : undefined;
  if (unmapped) return columnModel(column, name, pointer, type, unmapped);
  if ('error' in fallback) {
    report(`${pointer}/type`, fallback.error);
    return undefined;
  }
  const mapping =
    column.snowflake_type === undefined ? fallback : applyOverride(type, fallback, column.snowflake_type);
  if ('error' in mapping) {
    report(`${pointer}/snowflake_type`, mapping.error);
    return undefined;
  }
  return columnModel(column, name, pointer, type, mapping);
}

function columnModel(
  column: ColumnDoc,
  name: string,
  pointer: string,
  type: MysqlType,
  mapping: MappedType,
): ColumnModel {
  return {
    source: column.name,
    name,
    mysqlType: type,
    snowflakeType: mapping.snowflakeType,
    rawType: mapping.rawType,
    encoding: mapping.encoding,
    nullable: column.nullable ?? true,
    fsp: mapping.fsp,
    pointer,
  };
}

function buildSoftDelete(
  doc: TableDoc,
  find: (name: string, pointer: string, role: string) => ColumnModel | undefined,
  report: Report,
): SoftDelete | undefined {
  if (!doc.soft_delete) return undefined;
  const column = find(doc.soft_delete.column, '/soft_delete/column', 'soft-delete column');
  if (!column) return undefined;
  const numeric = column.encoding === 'integer' || column.encoding === 'boolean' || column.encoding === 'bit';
  const when = doc.soft_delete.when ?? (numeric ? 'true' : 'not_null');
  if (when === 'true' && !numeric) {
    report(
      '/soft_delete/when',
      `found when: true for ${column.mysqlType.text} column "${column.source}", expected not_null (only numeric or boolean columns can be true)`,
    );
  }
  if (when === 'not_null' && !column.nullable) {
    report(
      '/soft_delete/column',
      `found NOT NULL column "${column.source}" with when: not_null, expected a nullable column (it would mark every row deleted)`,
    );
  }
  return { column, when };
}

function buildSchedule(
  settings: TableSettingsDoc,
  pointer: string | undefined,
  report: Report,
): MergeSchedule | undefined {
  if (!settings.merge_schedule) return undefined;
  const resolved = resolveSchedule(settings.merge_schedule);
  if (!('error' in resolved)) return resolved;
  // A bad default is reported once by the pipeline; a table's own schedule is reported here.
  if (pointer) report(resolved.at ? `${pointer}/${resolved.at}` : pointer, resolved.error);
  return undefined;
}

/** Length (with the longest suffix snowstage appends) and mixed scripts of a resolved Snowflake name. */
function checkName(written: string, name: string, suffix: string, pointer: string, report: Report): void {
  const problem = snowflakeNameProblem(written, name, suffix);
  if (problem) report(pointer, problem);
}

/**
 * A zone only means something for DATETIME, which stores wall-clock text with no zone: TIMESTAMP is read in UTC
 * and DATE and numeric cursors have no time of day. The name must be one this Node.js knows (its ICU data).
 */
function checkCursorTimeZone(
  zone: string,
  cursor: ColumnModel,
  report: (pointer: string, message: string) => void,
): void {
  if (cursor.encoding !== 'datetime') {
    report(
      '/cursor/time_zone',
      `found time_zone on cursor "${cursor.source}" of type ${cursor.mysqlType.text}, expected it only on a DATETIME cursor (TIMESTAMP is read in UTC)`,
    );
    return;
  }
  if (!isKnownTimeZone(zone)) {
    report(
      '/cursor/time_zone',
      `found unknown time zone "${zone}", expected an IANA name such as Europe/Berlin or UTC`,
    );
  }
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
