/**
 * Reads the pipeline's objects from the account with SHOW, through `SqlClient` (reference/snowflake-catalog.md):
 * always `IN SCHEMA "DB"."S"` (without it same-named objects of other schemas show once), columns read by their
 * lower-case names (the column set changes between releases), and names compared exactly by the diff afterwards.
 * Views are read for their presence only (SHOW VIEWS; apply replaces them on every run).
 * Only the schemas that exist are read: SHOW … IN SCHEMA of a missing schema is an error.
 */
import type { SqlClient } from '../snowflake/client.js';
import { SnowflakeError } from '../snowflake/client.js';
import { identifier, qualified, qualifiedSchema } from '../sql/quote.js';
import { typeFromShowColumns } from './data-type.js';
import { sameName } from './names.js';
import type {
  LiveColumn,
  LiveObject,
  LivePipe,
  LiveStage,
  LiveState,
  LiveStream,
  LiveTable,
  LiveTask,
  WantedState,
} from './types.js';

/** A SHOW statement that failed: which one, and Snowflake's answer. */
export class LiveReadError extends Error {
  constructor(
    readonly statement: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message.replace(/\s*[\r\n]+\s*/g, ' ') : String(cause);
    const code = cause instanceof SnowflakeError && cause.code !== undefined ? ` (${cause.code})` : '';
    super(`${statement}: ${reason}${code}`);
  }
}

type Row = Record<string, unknown>;

export async function readLiveState(client: SqlClient, wanted: WantedState): Promise<LiveState> {
  const show = async (sql: string): Promise<Row[]> => {
    try {
      return (await client.execute(sql)).rows;
    } catch (error) {
      throw new LiveReadError(sql, error);
    }
  };
  const { database } = wanted;
  const existing = (await show(`SHOW SCHEMAS IN DATABASE ${identifier(database)}`)).map((r) =>
    text(r, 'name'),
  );
  const schemas = [...new Set([wanted.rawSchema, wanted.targetSchema])].filter((s) => existing.includes(s));
  const state: Mutable<LiveState> = {
    schemas: existing,
    fileFormats: [],
    stages: [],
    tables: [],
    streams: [],
    pipes: [],
    tasks: [],
    views: [],
  };
  for (const schema of schemas) {
    const place = { database, schema };
    const inSchema = `IN SCHEMA ${qualifiedSchema(database, schema)}`;
    const rows = async (what: string) => (await show(`SHOW ${what} ${inSchema}`)).filter(isIn(place));
    state.fileFormats.push(...(await rows('FILE FORMATS')).map((r) => object(place, r)));
    state.stages.push(...(await rows('STAGES')).map((r) => stage(place, r)));
    state.streams.push(...(await rows('STREAMS')).map((r) => stream(place, r)));
    state.pipes.push(
      ...(await rows('PIPES')).filter((r) => !flag(r, 'is_snowflake_managed')).map((r) => pipe(place, r)),
    );
    state.tasks.push(...(await rows('TASKS')).map((r) => task(place, r)));
    // SHOW VIEWS lists materialized views too (is_materialized); snowstage makes none, so they count as others'
    state.views.push(
      ...(await rows('VIEWS')).filter((r) => !flag(r, 'is_materialized')).map((r) => object(place, r)),
    );
    for (const row of await rows('TABLES')) state.tables.push(await table(place, row, wanted, show));
  }
  return state;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };
type Place = { database: string; schema: string };

/** Rows of another schema never appear with IN SCHEMA, but a changed SHOW should not make plan guess. */
function isIn(place: Place): (row: Row) => boolean {
  return (row) =>
    (row.database_name === undefined || text(row, 'database_name') === place.database) &&
    (row.schema_name === undefined || text(row, 'schema_name') === place.schema);
}

function object(place: Place, row: Row): LiveObject {
  return { name: { ...place, name: text(row, 'name') }, comment: text(row, 'comment') };
}

function stage(place: Place, row: Row): LiveStage {
  return {
    ...object(place, row),
    url: text(row, 'url'),
    storageIntegration: text(row, 'storage_integration'),
  };
}

function stream(place: Place, row: Row): LiveStream {
  return {
    ...object(place, row),
    tableName: text(row, 'table_name'),
    mode: text(row, 'mode'),
    stale: flag(row, 'stale'),
  };
}

function pipe(place: Place, row: Row): LivePipe {
  return {
    ...object(place, row),
    definition: text(row, 'definition'),
    errorIntegration: nullable(text(row, 'error_integration')),
  };
}

function task(place: Place, row: Row): LiveTask {
  return {
    ...object(place, row),
    state: text(row, 'state').toLowerCase(),
    schedule: text(row, 'schedule'),
    // SHOW TASKS prints the string `null` for a serverless task (reference §4, pitfall 13)
    warehouse: nullable(text(row, 'warehouse')),
    condition: text(row, 'condition'),
    definition: text(row, 'definition'),
    errorIntegration: nullable(text(row, 'error_integration')),
  };
}

/** SHOW TASKS (and perhaps other SHOWs) print the string `null` for an unset name: read it as ''. */
function nullable(value: string): string {
  return value.toLowerCase() === 'null' ? '' : value;
}

/** Columns are read only for tables the model wants: other tables matter only as orphans. */
async function table(
  place: Place,
  row: Row,
  wanted: WantedState,
  show: (sql: string) => Promise<Row[]>,
): Promise<LiveTable> {
  const base = { ...object(place, row), kind: text(row, 'kind').toUpperCase() };
  if (!wanted.tables.some((t) => sameName(t.name, base.name))) return { ...base, columns: undefined };
  const rows = await show(`SHOW COLUMNS IN TABLE ${qualified(base.name)}`);
  return {
    ...base,
    columns: rows.filter((r) => text(r, 'table_name') === base.name.name).map(column),
  };
}

function column(row: Row): LiveColumn {
  const raw = text(row, 'data_type');
  return { name: text(row, 'column_name'), type: typeFromShowColumns(raw) ?? raw };
}

/** SHOW cells as text; NULL and absent values are '' (reference §0 "Flags"). */
function text(row: Row, column: string): string {
  const value = row[column];
  return value === null || value === undefined ? '' : String(value);
}

/** 'true'/'Y'/'ON' spellings, case-insensitively (reference §0). */
function flag(row: Row, column: string): boolean {
  return ['true', 'y', 'on'].includes(text(row, column).toLowerCase());
}
