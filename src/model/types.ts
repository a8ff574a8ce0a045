/**
 * The readonly pipeline model built from validated metadata. Every later stage (render, apply, extract)
 * reads this and nothing else, so it carries resolved names, mapped types and derived paths.
 */

/**
 * How the extractor writes a column's values into the CSV file, and so how the generated MERGE converts the
 * raw (VARCHAR) landing column into the target type. One row per kind in `ENCODINGS` (src/model/encodings.ts).
 */
export type Encoding =
  /** exact base-10 integer text, any width (BIGINT UNSIGNED included) */
  | 'integer'
  /** exact decimal text as MySQL prints it (DECIMAL(p,s), also when p > 38 and it lands in VARCHAR) */
  | 'decimal'
  /** IEEE double as shortest round-trip text; NaN / inf / -inf spelled that way */
  | 'float'
  /** UTF-8 text, unchanged (CHAR, VARCHAR, TEXT, ENUM, SET) */
  | 'text'
  /** JSON document as text */
  | 'json'
  /** bytes as standard base64 (BINARY, VARBINARY, BLOB) */
  | 'base64'
  /** BIT(n) as its unsigned integer value in base 10 */
  | 'bit'
  /** DATE as YYYY-MM-DD */
  | 'date'
  /** DATETIME as wall-clock YYYY-MM-DD HH:MM:SS.ffffff (always 6 fraction digits) */
  | 'datetime'
  /** TIMESTAMP as UTC YYYY-MM-DD HH:MM:SS.ffffff +00:00, whatever the session time zone */
  | 'timestamp_utc'
  /** TIME as signed seconds with the column's fraction digits, e.g. -3020399.000000 (MySQL TIME is a duration) */
  | 'time_seconds'
  /** TIME as HH:MM:SS.ffffff; only when overridden to Snowflake TIME (values must lie in 00:00..23:59:59) */
  | 'time_of_day'
  /** TINYINT(1)/BIT(1) overridden to BOOLEAN: integer text, 0 is false, anything else true */
  | 'boolean'
  /** spatial value overridden to VARCHAR: the extractor reads ST_AsText(column), written as text */
  | 'wkt';

/** What to do with a DATE/DATETIME/TIMESTAMP zero or partial date such as 0000-00-00 (Snowflake rejects them). */
export type ZeroDatePolicy = 'null' | 'fail';

/** What to do with rows whose cursor is NULL. */
export type NullCursorPolicy = 'oldest' | 'fail';

export interface MysqlType {
  /** upper-case base name, e.g. DECIMAL, VARCHAR, TINYINT */
  readonly base: string;
  /** the type exactly as written in metadata, e.g. "decimal(10,2) unsigned" */
  readonly text: string;
  /** (n) or (p,s) arguments as written */
  readonly args: readonly number[];
  readonly unsigned: boolean;
  /** ENUM/SET members */
  readonly values: readonly string[];
}

export interface ColumnModel {
  /** MySQL column name, exactly as in the source table */
  readonly source: string;
  /** Snowflake column name (MySQL name upper-cased), used in every generated table and in the CSV header */
  readonly name: string;
  readonly mysqlType: MysqlType;
  /** Snowflake type of the target column, e.g. NUMBER(20,0) */
  readonly snowflakeType: string;
  /** landing (raw) column type: VARCHAR, or VARCHAR(134217728) for values that can exceed 16 MB */
  readonly rawType: string;
  readonly encoding: Encoding;
  readonly nullable: boolean;
  /** fraction digits for DATETIME/TIMESTAMP/TIME (0..6) */
  readonly fsp: number;
  /** JSON pointer of the column in its table file, for diagnostics */
  readonly pointer: string;
}

/** A Snowflake object name: database, schema, object; rendered only through src/sql/quote.ts. */
export interface QualifiedName {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
}

export type MergeSchedule =
  | { readonly kind: 'interval'; readonly minutes: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly timeZone: string };

export interface SoftDelete {
  readonly column: ColumnModel;
  /** not_null: deleted when the column has a value (deleted_at); true: deleted when the value is non-zero / TRUE */
  readonly when: 'not_null' | 'true';
}

/**
 * incremental: each run copies rows whose cursor moved, the MERGE task folds them in. snapshot: each run copies
 * the whole table as one snapshot (files + completion marker), and a task makes the target equal to the latest
 * complete, fully loaded snapshot (keyed: MERGE plus tombstones for absent keys; keyless: rows replaced).
 */
export type TableMode = 'incremental' | 'snapshot';

export interface TableModel {
  readonly mode: TableMode;
  /** the table's key in the pipeline: lower-case [a-z][a-z0-9_]*; used in S3 paths, state and CLI flags */
  readonly name: string;
  /** metadata file this table came from (relative to the metadata directory) */
  readonly file: string;
  readonly sourceTable: string;
  readonly columns: readonly ColumnModel[];
  /** empty only in mode: snapshot (a keyless table, replaced whole from each snapshot) */
  readonly primaryKey: readonly ColumnModel[];
  /** undefined exactly in mode: snapshot; use `cursorOf` where only incremental tables can arrive */
  readonly cursor: ColumnModel | undefined;
  /** IANA zone in which the application writes a DATETIME cursor; undefined: the MySQL server's zone */
  readonly cursorTimeZone: string | undefined;
  readonly nullCursor: NullCursorPolicy;
  readonly softDelete: SoftDelete | undefined;
  /**
   * Hard deletes found without the binlog: every `everyMinutes` the extractor writes a key snapshot (key columns
   * only, in key order) under `keysKeyPrefix`; undefined when the table does not opt in.
   */
  readonly deleteDetection: { readonly everyMinutes: number } | undefined;
  readonly zeroDate: ZeroDatePolicy;
  readonly mergeSchedule: MergeSchedule;
  /** seconds kept below the database's now when fixing a run's upper bound (late commits) */
  readonly commitLagSeconds: number;
  /** seconds of cursor range re-read on every run (the MERGE absorbs the overlap) */
  readonly lookbackSeconds: number;
  /** path of this table's data files relative to the stage, with a trailing slash, e.g. "books/" */
  readonly stagePath: string;
  /** s3 key prefix of the data files, e.g. "bookstore/data/books/" */
  readonly dataKeyPrefix: string;
  /** s3 key prefix of key snapshots, e.g. "bookstore/data/_keys/books/" (no table folder can start with _) */
  readonly keysKeyPrefix: string;
  /** s3 key prefix of extractor state, manifests and locks, e.g. "bookstore/_snowstage/books/" */
  readonly stateKeyPrefix: string;
  readonly rawTable: QualifiedName;
  /** holds every key's newest version, deleted ones too (tombstones flagged _SNOWSTAGE_DELETED) */
  readonly targetTable: QualifiedName;
  /** view of the target's rows that are not deleted (`<TARGET>_LIVE`), or undefined when live_view is false */
  readonly liveView: QualifiedName | undefined;
  /** tombstones merged longer ago than this may be purged (explicitly, never by the MERGE) */
  readonly tombstoneRetentionDays: number;
  /** loaded rows waiting for the MERGE longer than this are a problem (status, alerts) */
  readonly maxMergeLagMinutes: number;
  /** a last successful extract older than this is a problem (status) */
  readonly maxExtractAgeMinutes: number;
  readonly stream: QualifiedName;
  /**
   * What loads the data files into the landing table: `snowpipe`, the pipe `pipe` with S3 auto-ingest, or `lambda`,
   * the COPY loader function (src/lambda/loader.ts), in which case no pipe exists and `pipe` is only the name a
   * pipe of this table has or had (a migration drops it when a table switches to the Lambda loader).
   */
  readonly loader: LoaderKind;
  readonly pipe: QualifiedName;
  readonly task: QualifiedName;
}

export type LoaderKind = 'snowpipe' | 'lambda';

/** The tables a pipe loads (every other table is loaded by the Lambda COPY loader). */
export function hasPipe(table: TableModel): boolean {
  return table.loader === 'snowpipe';
}

export interface SecretRef {
  /** environment variable holding the secret; secrets never live in metadata */
  readonly env: string;
  /** "" when the metadata gives ${VAR:-} (an empty local default); undefined when the variable is required */
  readonly fallback: string | undefined;
}

export interface SourceModel {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: SecretRef | undefined;
  readonly database: string;
}

export interface StorageIntegrationModel {
  readonly name: string;
  readonly awsRoleArn: string;
  readonly allowedLocations: readonly string[];
  readonly externalId: string | undefined;
  /** Snowflake's per-account IAM user (DESC INTEGRATION → STORAGE_AWS_IAM_USER_ARN), when known */
  readonly awsIamUserArn: string | undefined;
}

/** The generated Snowflake alerts and the thresholds `status` shares with them. */
export interface AlertSettings {
  /** notification integration the alerts send to; no alerts are generated without one */
  readonly notificationIntegration: string | undefined;
  /** minutes between two checks of each alert */
  readonly scheduleMinutes: number;
  /** a stream whose stale_after is less than this many hours away is a problem */
  readonly streamStaleWithinHours: number;
}

/** How a MERGE task reacts to failed runs (CREATE TASK parameters of the same names). */
export interface TaskFailureSettings {
  /** SUSPEND_TASK_AFTER_NUM_FAILURES; 0 never suspends */
  readonly suspendAfterFailures: number;
  /** TASK_AUTO_RETRY_ATTEMPTS */
  readonly autoRetryAttempts: number;
}

export interface PipelineModel {
  readonly name: string;
  readonly file: string;
  readonly source: SourceModel;
  readonly s3: {
    readonly bucket: string;
    /** key prefix of the pipeline, no leading slash, trailing slash, e.g. "bookstore/" ("" for the bucket root) */
    readonly prefix: string;
    readonly region: string;
    /** s3://bucket/prefix/data/ : the stage URL */
    readonly dataUrl: string;
    /** SSE-KMS key of the bucket's objects: Snowflake's role then needs kms:Decrypt on it */
    readonly kmsKeyArn: string | undefined;
  };
  readonly snowflake: {
    readonly database: string;
    readonly rawSchema: string;
    readonly targetSchema: string;
    readonly role: string | undefined;
    /** undefined means serverless tasks */
    readonly warehouse: string | undefined;
    /** role that reads the monitoring views (granted by the administrator file), if any */
    readonly monitorRole: string | undefined;
    /** notification integration for pipe and task errors (ERROR_INTEGRATION), if any */
    readonly errorIntegration: string | undefined;
    readonly taskFailures: TaskFailureSettings;
    readonly integration: StorageIntegrationModel;
    /** the pipes' CSV format (PARSE_HEADER) */
    readonly fileFormat: QualifiedName;
    /** the stage's default format: the same CSV, header row skipped, for ad-hoc queries of staged files */
    readonly stageFileFormat: QualifiedName;
    readonly stage: QualifiedName;
  };
  readonly alerts: AlertSettings;
  /** sorted by name */
  readonly tables: readonly TableModel[];
  /** the Airflow DAG to generate, or undefined when the metadata has no enabled `airflow:` block */
  readonly airflow: AirflowModel | undefined;
  /** the Lambda deployment template to generate, or undefined when the metadata has no enabled `lambda:` block */
  readonly lambda: LambdaModel | undefined;
}

export interface LambdaModel {
  /** EventBridge Scheduler expression: rate(...) or cron(...) */
  readonly schedule: string;
  readonly timeZone: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly deadlineMarginSeconds: number;
  /** how the template hands secrets to the functions: NoEcho parameters, or Secrets Manager secrets */
  readonly secrets: 'parameters' | 'secrets_manager';
  /** the COPY loader function, deployed when a table has loader: lambda */
  readonly loader: { readonly memoryMb: number; readonly timeoutSeconds: number };
}

/** How an orchestrator task runs the snowstage CLI. */
export type CliRunner =
  /** an image whose entrypoint is snowstage, working directory holding metadata/ and generated/ */
  | { readonly kind: 'docker'; readonly image: string }
  /** an installation directory: <path>/node_modules/.bin/snowstage, <path>/metadata, <path>/generated */
  | { readonly kind: 'venv'; readonly path: string };

export interface AirflowModel {
  /** a 5-field cron expression or an Airflow preset (@hourly) */
  readonly schedule: string;
  readonly timeZone: string;
  readonly retries: number;
  readonly retryDelaySeconds: number;
  readonly executionTimeoutMinutes: number;
  readonly pool: string | undefined;
  /** dotted path, e.g. acme.alerts.notify */
  readonly onFailureCallback: string | undefined;
  readonly mergeNow: boolean;
  readonly snowflakeConnId: string;
  readonly runner: CliRunner;
}

/** The cursor of an incremental table; a snapshot table reaching incremental-only code is a bug. */
export function cursorOf(table: TableModel): ColumnModel {
  if (table.cursor === undefined) {
    throw new Error(
      `table ${table.name} is in mode: snapshot and has no cursor (an incremental-only path reached it)`,
    );
  }
  return table.cursor;
}
