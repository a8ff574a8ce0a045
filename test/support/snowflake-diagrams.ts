/**
 * The syntax diagrams of the statements snowstage generates, as clause ranks for test/support/sql-clauses.ts, each
 * next to the docs.snowflake.com page it is copied from (clause order only; values are not checked).
 */
import type { Diagram } from './sql-clauses.js';

/** https://docs.snowflake.com/en/sql-reference/sql/create-task (CREATE TASK and CREATE OR ALTER TASK) */
const CREATE_TASK: Diagram = [
  ['WAREHOUSE', 'USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE'],
  ['SCHEDULE'],
  ['CONFIG'],
  ['OVERLAP_POLICY'],
  ['USER_TASK_TIMEOUT_MS'],
  ['SUSPEND_TASK_AFTER_NUM_FAILURES'],
  ['ERROR_INTEGRATION'],
  ['SUCCESS_INTEGRATION'],
  ['LOG_LEVEL'],
  ['COMMENT'],
  ['FINALIZE'],
  ['TASK_AUTO_RETRY_ATTEMPTS'],
  ['USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS'],
  ['TARGET_COMPLETION_INTERVAL'],
  ['SERVERLESS_TASK_MIN_STATEMENT_SIZE'],
  ['SERVERLESS_TASK_MAX_STATEMENT_SIZE'],
  ['AFTER'],
  ['WHEN'],
  ['AS'],
];

/** https://docs.snowflake.com/en/sql-reference/sql/create-pipe */
const CREATE_PIPE: Diagram = [
  ['AUTO_INGEST'],
  ['ERROR_INTEGRATION'],
  ['AWS_SNS_TOPIC'],
  ['INTEGRATION'],
  ['COMMENT'],
  ['AS'],
];

/**
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-table. copyOptions are one group here: the page lists
 * them in one block, and reordering them inside an existing pipe would change its COPY text, which only a pipe
 * migration (recreate, REFRESH) can do (README, "How the SQL was verified").
 */
export const COPY_INTO_TABLE: Diagram = [
  ['FROM'],
  ['FILES'],
  ['PATTERN'],
  ['FILE_FORMAT'],
  [
    'ON_ERROR',
    'SIZE_LIMIT',
    'PURGE',
    'RETURN_FAILED_ONLY',
    'MATCH_BY_COLUMN_NAME',
    'INCLUDE_METADATA',
    'ENFORCE_LENGTH',
    'TRUNCATECOLUMNS',
    'FORCE',
    'LOAD_UNCERTAIN_FILES',
  ],
];

/** formatTypeOptions for TYPE = CSV, in the order of https://docs.snowflake.com/en/sql-reference/sql/create-file-format */
const CSV_OPTIONS = [
  'COMPRESSION',
  'RECORD_DELIMITER',
  'FIELD_DELIMITER',
  'MULTI_LINE',
  'FILE_EXTENSION',
  'PARSE_HEADER',
  'SKIP_HEADER',
  'SKIP_BLANK_LINES',
  'DATE_FORMAT',
  'TIME_FORMAT',
  'TIMESTAMP_FORMAT',
  'BINARY_FORMAT',
  'ESCAPE',
  'ESCAPE_UNENCLOSED_FIELD',
  'TRIM_SPACE',
  'FIELD_OPTIONALLY_ENCLOSED_BY',
  'NULL_IF',
  'ERROR_ON_COLUMN_COUNT_MISMATCH',
  'REPLACE_INVALID_CHARACTERS',
  'EMPTY_FIELD_AS_NULL',
  'SKIP_BYTE_ORDER_MARK',
  'ENCODING',
].map((o) => [o]);

/** https://docs.snowflake.com/en/sql-reference/sql/create-file-format */
const CREATE_FILE_FORMAT: Diagram = [['TYPE'], ...CSV_OPTIONS, ['COMMENT']];
/** https://docs.snowflake.com/en/sql-reference/sql/alter-file-format */
const ALTER_FILE_FORMAT: Diagram = [['SET'], ...CSV_OPTIONS, ['COMMENT']];

/** https://docs.snowflake.com/en/sql-reference/sql/create-stage (external stage on S3) */
const CREATE_STAGE: Diagram = [
  ['URL'],
  ['AWS_ACCESS_POINT_ARN'],
  ['STORAGE_INTEGRATION', 'CREDENTIALS'],
  ['ENCRYPTION'],
  ['USE_PRIVATELINK_ENDPOINT'],
  ['DIRECTORY'],
  ['FILE_FORMAT'],
  ['COMMENT'],
];
/** https://docs.snowflake.com/en/sql-reference/sql/alter-stage */
const ALTER_STAGE: Diagram = [
  ['SET'],
  ['URL'],
  ['AWS_ACCESS_POINT_ARN'],
  ['STORAGE_INTEGRATION', 'CREDENTIALS'],
  ['ENCRYPTION'],
  ['USE_PRIVATELINK_ENDPOINT'],
  ['FILE_FORMAT'],
  ['COMMENT'],
];

/** https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration (S3) */
const CREATE_STORAGE_INTEGRATION: Diagram = [
  ['TYPE'],
  ['STORAGE_PROVIDER'],
  ['STORAGE_AWS_ROLE_ARN'],
  ['STORAGE_AWS_EXTERNAL_ID'],
  ['STORAGE_AWS_OBJECT_ACL'],
  ['USE_PRIVATELINK_ENDPOINT'],
  ['ENABLED'],
  ['STORAGE_ALLOWED_LOCATIONS'],
  ['STORAGE_BLOCKED_LOCATIONS'],
  ['COMMENT'],
];
/** https://docs.snowflake.com/en/sql-reference/sql/alter-storage-integration (S3) */
const ALTER_STORAGE_INTEGRATION: Diagram = [
  ['SET'],
  ['STORAGE_AWS_ROLE_ARN'],
  ['STORAGE_AWS_OBJECT_ACL'],
  ['STORAGE_AWS_EXTERNAL_ID'],
  ['USE_PRIVATELINK_ENDPOINT'],
  ['ENABLED'],
  ['STORAGE_ALLOWED_LOCATIONS'],
  ['STORAGE_BLOCKED_LOCATIONS'],
  ['COMMENT'],
];

/** https://docs.snowflake.com/en/sql-reference/sql/create-stream (on a table) */
const CREATE_STREAM: Diagram = [
  ['COPY'],
  ['ON'],
  ['AT', 'BEFORE'],
  ['APPEND_ONLY'],
  ['SHOW_INITIAL_ROWS'],
  ['COMMENT'],
];

/** https://docs.snowflake.com/en/sql-reference/sql/create-table (after the column list) */
const CREATE_TABLE: Diagram = [
  ['CLUSTER'],
  ['ENABLE_SCHEMA_EVOLUTION'],
  ['DATA_RETENTION_TIME_IN_DAYS'],
  ['MAX_DATA_EXTENSION_TIME_IN_DAYS'],
  ['CHANGE_TRACKING'],
  ['DEFAULT_DDL_COLLATION'],
  ['COPY'],
  ['COMMENT'],
];

/**
 * https://docs.snowflake.com/en/sql-reference/sql/create-alert (CREATE OR ALTER ALERT variant: no TAG). The
 * condition is inside IF( EXISTS( … )), one parenthesised group; the action follows THEN.
 */
const CREATE_ALERT: Diagram = [
  ['SCHEDULE'],
  ['WAREHOUSE'],
  ['COMMENT'],
  ['CONFIG'],
  ['RUNBOOK'],
  ['SUSPEND_ALERT_AFTER_NUM_FAILURES'],
  ['IF'],
  ['THEN'],
];

/** https://docs.snowflake.com/en/sql-reference/sql/create-view */
const CREATE_VIEW: Diagram = [['CHANGE_TRACKING'], ['COPY'], ['COMMENT'], ['AS']];

export interface Shape {
  readonly name: string;
  /** matches the statement's start; group 1 ends where the clauses begin */
  readonly start: RegExp;
  readonly diagram: Diagram;
  readonly stopWord?: string;
}

export const NAME = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*))*`;
export const SHAPES: readonly Shape[] = [
  {
    name: 'CREATE ALERT',
    start: new RegExp(`^(CREATE\\s+(?:OR\\s+ALTER\\s+)?ALERT\\s+${NAME})`, 'i'),
    diagram: CREATE_ALERT,
    stopWord: 'THEN',
  },
  {
    name: 'CREATE TASK',
    start: new RegExp(`^(CREATE\\s+(?:OR\\s+ALTER\\s+)?TASK\\s+${NAME})`, 'i'),
    diagram: CREATE_TASK,
    stopWord: 'AS',
  },
  {
    name: 'CREATE PIPE',
    start: new RegExp(`^(CREATE\\s+(?:OR\\s+REPLACE\\s+)?PIPE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_PIPE,
    stopWord: 'AS',
  },
  {
    name: 'CREATE FILE FORMAT',
    start: new RegExp(`^(CREATE\\s+FILE\\s+FORMAT\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_FILE_FORMAT,
  },
  {
    name: 'ALTER FILE FORMAT',
    start: new RegExp(`^(ALTER\\s+FILE\\s+FORMAT\\s+(?:IF\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: ALTER_FILE_FORMAT,
  },
  {
    name: 'CREATE STAGE',
    start: new RegExp(`^(CREATE\\s+STAGE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_STAGE,
  },
  {
    name: 'ALTER STAGE',
    start: new RegExp(`^(ALTER\\s+STAGE\\s+(?:IF\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: ALTER_STAGE,
  },
  {
    name: 'CREATE STORAGE INTEGRATION',
    start: new RegExp(`^(CREATE\\s+STORAGE\\s+INTEGRATION\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_STORAGE_INTEGRATION,
  },
  {
    name: 'ALTER STORAGE INTEGRATION',
    start: new RegExp(`^(ALTER\\s+(?:STORAGE\\s+)?INTEGRATION\\s+(?:IF\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: ALTER_STORAGE_INTEGRATION,
  },
  {
    name: 'CREATE STREAM',
    start: new RegExp(`^(CREATE\\s+STREAM\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_STREAM,
  },
  {
    name: 'CREATE TABLE',
    start: new RegExp(`^(CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME})`, 'i'),
    diagram: CREATE_TABLE,
  },
  {
    name: 'CREATE VIEW',
    start: new RegExp(`^(CREATE\\s+(?:OR\\s+REPLACE\\s+)?VIEW\\s+${NAME})`, 'i'),
    diagram: CREATE_VIEW,
    stopWord: 'AS',
  },
];
