/**
 * Catalog replies for the fake Snowflake endpoint: SHOW SCHEMAS / TABLES / COLUMNS / FILE FORMATS / STAGES /
 * STREAMS / PIPES / TASKS / VIEWS answered from an in-memory account, in Snowflake's documented result shapes
 * (reference/snowflake-catalog.md §0-§5): lower-case column names in the documented order, `created_on` as
 * TIMESTAMP_LTZ, flags spelled as Snowflake spells them, JSON `data_type` for SHOW COLUMNS, SQL NULL for absent
 * values, and error 002003 for a database, schema or table that does not exist. Tests edit the catalog between
 * statements; `catalogRule` reads it when each statement arrives.
 */
import type { FakeColumn, FakeReply, FakeRule } from './fake-snowflake.js';

export interface CatalogColumn {
  name: string;
  /** SHOW COLUMNS `data_type`, e.g. `{ type: 'FIXED', precision: 10, scale: 2, nullable: true }` */
  dataType: Record<string, unknown>;
  nullable?: boolean;
}

export interface CatalogTable {
  schema: string;
  name: string;
  /** TABLE (default), TRANSIENT or TEMPORARY */
  kind?: string;
  comment?: string;
  columns: CatalogColumn[];
}

export interface CatalogObject {
  schema: string;
  name: string;
  comment?: string;
}

export interface CatalogStage extends CatalogObject {
  url: string;
  storageIntegration: string;
}

export interface CatalogStream extends CatalogObject {
  /** `DB.S.T` */
  tableName: string;
  mode?: string;
  stale?: boolean;
}

export interface CatalogPipe extends CatalogObject {
  definition: string;
  /** stored name; null (SQL NULL) when none */
  errorIntegration?: string | null;
}

export interface CatalogTask extends CatalogObject {
  state: 'started' | 'suspended';
  schedule: string;
  /** null for a serverless task */
  warehouse: string | null;
  definition: string;
  condition?: string;
  /** stored name; null when none (SHOW TASKS prints the string `null`) */
  errorIntegration?: string | null;
}

export interface CatalogView extends CatalogObject {
  /** SHOW VIEWS `text`: the whole CREATE statement */
  text: string;
}

export interface FakeCatalog {
  database: string;
  schemas: string[];
  fileFormats: CatalogObject[];
  stages: CatalogStage[];
  tables: CatalogTable[];
  streams: CatalogStream[];
  pipes: CatalogPipe[];
  tasks: CatalogTask[];
  views: CatalogView[];
}

export function emptyCatalog(database: string): FakeCatalog {
  return {
    database,
    schemas: [],
    fileFormats: [],
    stages: [],
    tables: [],
    streams: [],
    pipes: [],
    tasks: [],
    views: [],
  };
}

const SHOW =
  /^SHOW (SCHEMAS|TABLES|COLUMNS|FILE FORMATS|STAGES|STREAMS|PIPES|TASKS|VIEWS) IN (DATABASE|SCHEMA|TABLE) (.+)$/;

/** One rule answering every SHOW … IN DATABASE|SCHEMA|TABLE the catalog knows how to answer. */
export function catalogRule(catalog: FakeCatalog): FakeRule {
  return { match: (sql) => SHOW.test(sql), reply: (sql) => answer(catalog, sql) };
}

const CREATED_ON = '1767225600.000'; // 2026-01-01 00:00:00 UTC, as the driver expects LTZ cells

function answer(catalog: FakeCatalog, sql: string): FakeReply {
  const [, what, scope, target] = SHOW.exec(sql) as unknown as [string, string, string, string];
  const parts = identifiers(target);
  if (parts === undefined) return compilationError(`syntax error: unexpected '${target}'`);
  const [database, schema, table] = parts;
  if (database !== catalog.database) return missing('Database', parts.slice(0, 1));
  if (scope === 'DATABASE')
    return what === 'SCHEMAS' ? schemasReply(catalog) : compilationError('unsupported');
  if (schema === undefined || !catalog.schemas.includes(schema)) return missing('Schema', parts.slice(0, 2));
  const place = { database, schema };
  if (scope === 'TABLE') {
    const found = catalog.tables.find((t) => t.schema === schema && t.name === table);
    return found && what === 'COLUMNS' ? columnsReply(place, found) : missing('Table', parts);
  }
  const inSchema = <T extends CatalogObject>(list: T[]) => list.filter((o) => o.schema === schema);
  switch (what) {
    case 'TABLES':
      return rowsReply(
        TABLE_COLUMNS,
        inSchema(catalog.tables).map((t) => tableRow(place, t)),
      );
    case 'FILE FORMATS':
      return rowsReply(
        FILE_FORMAT_COLUMNS,
        inSchema(catalog.fileFormats).map((o) => fileFormatRow(place, o)),
      );
    case 'STAGES':
      return rowsReply(
        STAGE_COLUMNS,
        inSchema(catalog.stages).map((o) => stageRow(place, o)),
      );
    case 'STREAMS':
      return rowsReply(
        STREAM_COLUMNS,
        inSchema(catalog.streams).map((o) => streamRow(place, o)),
      );
    case 'PIPES':
      return rowsReply(
        PIPE_COLUMNS,
        inSchema(catalog.pipes).map((o) => pipeRow(place, o)),
      );
    case 'TASKS':
      return rowsReply(
        TASK_COLUMNS,
        inSchema(catalog.tasks).map((o) => taskRow(place, o)),
      );
    case 'VIEWS':
      return rowsReply(
        VIEW_COLUMNS,
        inSchema(catalog.views).map((o) => viewRow(place, o)),
      );
    default:
      return compilationError('unsupported');
  }
}

/** `"A"."B""c"` → ['A', 'B"c']; undefined for anything else. */
function identifiers(text: string): string[] | undefined {
  const parts: string[] = [];
  const pattern = /"((?:[^"]|"")*)"(\.|$)/y;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (match === null) return undefined;
    parts.push((match[1] as string).replaceAll('""', '"'));
    if (match[2] === '') return parts;
  }
  return undefined;
}

function compilationError(message: string): FakeReply {
  return { error: { code: '001003', sqlState: '42000', message: `SQL compilation error:\n${message}` } };
}

function missing(kind: string, parts: readonly (string | undefined)[]): FakeReply {
  return {
    error: {
      code: '002003',
      sqlState: '02000',
      message: `SQL compilation error:\n${kind} '${parts.join('.')}' does not exist or not authorized.`,
    },
  };
}

type Row = Record<string, string | null>;

const TIMESTAMPS = new Set(['created_on', 'stale_after', 'last_committed_on', 'last_suspended_on']);

/** Columns in the documented order; every one `text` except timestamps and counters. */
function columns(names: string, types: Record<string, FakeColumn['type']> = {}): FakeColumn[] {
  return names.split(',').map((raw) => {
    const name = raw.trim();
    if (TIMESTAMPS.has(name)) return { name, type: 'timestamp_ltz', scale: 3 };
    return { name, type: types[name] ?? 'text' };
  });
}

function rowsReply(shape: FakeColumn[], rows: Row[]): FakeReply {
  return { columns: shape, rows, statementTypeId: 0x4400 };
}

const SCHEMA_COLUMNS = columns(
  'created_on, name, is_default, is_current, database_name, owner, comment, options, retention_time, owner_role_type',
);
const TABLE_COLUMNS = columns(
  'created_on, name, database_name, schema_name, kind, comment, cluster_by, rows, bytes, owner, retention_time, ' +
    'automatic_clustering, change_tracking, search_optimization, search_optimization_progress, ' +
    'search_optimization_bytes, is_external, enable_schema_evolution, owner_role_type, is_event, is_hybrid, ' +
    'is_iceberg, is_immutable',
  { rows: 'fixed', bytes: 'fixed' },
);
const COLUMN_COLUMNS = columns(
  'table_name, schema_name, column_name, data_type, null?, default, kind, expression, comment, database_name, ' +
    'autoincrement, schema_evolution_record',
);
const FILE_FORMAT_COLUMNS = columns(
  'created_on, name, database_name, schema_name, type, owner, comment, format_options, owner_role_type',
);
const STAGE_COLUMNS = columns(
  'created_on, name, database_name, schema_name, url, has_credentials, has_encryption_key, owner, comment, region, ' +
    'type, cloud, notification_channel, storage_integration, endpoint, owner_role_type, directory_enabled',
);
const STREAM_COLUMNS = columns(
  'created_on, name, database_name, schema_name, owner, comment, table_name, source_type, base_tables, type, ' +
    'stale, mode, stale_after, invalid_reason, owner_role_type',
);
const PIPE_COLUMNS = columns(
  'created_on, name, database_name, schema_name, definition, owner, notification_channel, comment, integration, ' +
    'pattern, error_integration, owner_role_type, invalid_reason, kind',
);
const TASK_COLUMNS = columns(
  'created_on, name, id, database_name, schema_name, owner, comment, warehouse, schedule, predecessors, state, ' +
    'definition, condition, allow_overlapping_execution, error_integration, last_committed_on, ' +
    'last_suspended_on, owner_role_type, config, budget, task_relations, last_suspended_reason',
);

const VIEW_COLUMNS = columns(
  'created_on, name, reserved, kind, database_name, schema_name, owner, comment, text, is_secure, is_materialized, ' +
    'owner_role_type, change_tracking',
);

const OWNER = { owner: 'SNOWSTAGE_LOADER', owner_role_type: 'ROLE' };
type Place = { database: string; schema: string };

function schemasReply(catalog: FakeCatalog): FakeReply {
  // Every database has these two; SHOW SCHEMAS lists them with the others.
  const names = [...new Set(['INFORMATION_SCHEMA', 'PUBLIC', ...catalog.schemas])].sort();
  const rows = names.map((name) => ({
    created_on: CREATED_ON,
    name,
    is_default: 'N',
    is_current: 'N',
    database_name: catalog.database,
    ...OWNER,
    comment:
      name === 'INFORMATION_SCHEMA' ? 'Views describing the contents of schemas in this database' : null,
    options: '',
    retention_time: '1',
  }));
  return rowsReply(SCHEMA_COLUMNS, rows);
}

function common(place: Place, object: CatalogObject): Row {
  return {
    created_on: CREATED_ON,
    name: object.name,
    database_name: place.database,
    schema_name: place.schema,
    comment: object.comment ?? null,
    ...OWNER,
  };
}

function tableRow(place: Place, table: CatalogTable): Row {
  return {
    ...common(place, table),
    kind: table.kind ?? 'TABLE',
    cluster_by: '',
    rows: '0',
    bytes: '0',
    retention_time: '1',
    automatic_clustering: 'OFF',
    change_tracking: 'ON',
    search_optimization: 'OFF',
    search_optimization_progress: null,
    search_optimization_bytes: null,
    is_external: 'N',
    enable_schema_evolution: 'N',
    is_event: 'N',
    is_hybrid: 'N',
    is_iceberg: 'N',
    is_immutable: 'N',
  };
}

function columnsReply(place: Place, table: CatalogTable): FakeReply {
  const rows = table.columns.map((c) => ({
    table_name: table.name,
    schema_name: place.schema,
    column_name: c.name,
    data_type: JSON.stringify(c.dataType),
    'null?': String(c.nullable ?? true),
    default: '',
    kind: 'COLUMN',
    expression: '',
    comment: '',
    database_name: place.database,
    autoincrement: '',
    schema_evolution_record: null,
  }));
  return rowsReply(COLUMN_COLUMNS, rows);
}

function fileFormatRow(place: Place, object: CatalogObject): Row {
  return { ...common(place, object), type: 'CSV', format_options: '{"TYPE":"CSV"}' };
}

function stageRow(place: Place, stage: CatalogStage): Row {
  return {
    ...common(place, stage),
    url: stage.url,
    has_credentials: 'N',
    has_encryption_key: 'N',
    region: 'us-east-1',
    type: 'EXTERNAL',
    cloud: 'AWS',
    notification_channel: null,
    storage_integration: stage.storageIntegration,
    endpoint: null,
    directory_enabled: 'N',
  };
}

function streamRow(place: Place, stream: CatalogStream): Row {
  return {
    ...common(place, stream),
    table_name: stream.tableName,
    source_type: 'Table',
    base_tables: stream.tableName,
    type: 'DELTA',
    stale: String(stream.stale ?? false),
    mode: stream.mode ?? 'APPEND_ONLY',
    stale_after: CREATED_ON,
    invalid_reason: 'N/A',
  };
}

function pipeRow(place: Place, pipe: CatalogPipe): Row {
  return {
    ...common(place, pipe),
    definition: pipe.definition,
    notification_channel: 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-abc',
    integration: null,
    pattern: null,
    error_integration: pipe.errorIntegration ?? null,
    invalid_reason: null,
    kind: 'STAGE',
  };
}

function taskRow(place: Place, task: CatalogTask): Row {
  return {
    ...common(place, task),
    id: '01b2c3d4-0000-0000-0000-000000000001',
    // SHOW TASKS prints the string `null` for a serverless task (reference §4)
    warehouse: task.warehouse ?? 'null',
    schedule: task.schedule,
    predecessors: '[]',
    state: task.state,
    definition: task.definition,
    condition: task.condition ?? null,
    allow_overlapping_execution: 'false',
    error_integration: task.errorIntegration ?? 'null',
    last_committed_on: null,
    last_suspended_on: null,
    config: null,
    budget: null,
    task_relations: '{"Predecessors":[]}',
    last_suspended_reason: null,
  };
}

function viewRow(place: Place, view: CatalogView): Row {
  return {
    ...common(place, view),
    reserved: '',
    kind: null,
    text: view.text,
    is_secure: 'false',
    is_materialized: 'false',
    change_tracking: 'OFF',
  };
}
