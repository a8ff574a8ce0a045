/**
 * The account as it looks after running generated/<pipeline>/: a small interpreter of the generated DDL that
 * fills a fake catalog the way Snowflake would (types reported as SHOW COLUMNS JSON, pipe and task bodies after
 * AS, tasks created suspended and then resumed, views replaced). It runs what routine apply runs (1_pipeline,
 * 2_tables, 3_monitoring), never admin/grants.sql: the storage integration and grants are the administrator's
 * (apply --grants), and plan does not read them. It reads the SQL text, not the model, so a plan test that expects
 * "no changes" proves plan's wanted state matches what apply actually runs.
 */
import { expectedStatements } from '../apply/fixtures.js';
import {
  type CatalogColumn,
  type CatalogTable,
  emptyCatalog,
  type FakeCatalog,
} from '../support/fake-catalog.js';

const NAME = '"(?:[^"]|"")*"';
const QUALIFIED = new RegExp(String.raw`^(${NAME})\.(${NAME})(?:\.(${NAME}))?`);

export async function catalogAfterApply(generatedDir: string, database: string): Promise<FakeCatalog> {
  const catalog = emptyCatalog(database);
  for (const { text } of await expectedStatements(generatedDir)) run(catalog, text);
  return catalog;
}

/**
 * Every statement apply runs has a case: a statement the interpreter does not know fails the test, so a template
 * that starts writing a new kind of statement is noticed here rather than silently ignored.
 */
const COMMANDS =
  /^(CREATE SCHEMA IF NOT EXISTS|CREATE FILE FORMAT IF NOT EXISTS|ALTER FILE FORMAT|CREATE STAGE IF NOT EXISTS|ALTER STAGE|CREATE TABLE IF NOT EXISTS|ALTER TABLE|CREATE STREAM IF NOT EXISTS|CREATE PIPE IF NOT EXISTS|ALTER PIPE|GRANT MONITOR ON PIPE|CREATE OR ALTER TASK|ALTER TASK IF EXISTS|ALTER TASK|CREATE OR REPLACE VIEW|CREATE OR ALTER ALERT|ALTER ALERT) /;

function run(catalog: FakeCatalog, sql: string): void {
  const command = COMMANDS.exec(sql);
  if (!command) throw new Error(`applied-catalog: no rule for the statement ${sql.slice(0, 80)}`);
  const rest = sql.slice(command[0].length);
  const [schema, name] = nameOf(rest);
  const comment = commentOf(sql);
  const existing = <T extends { schema: string; name: string }>(list: T[], what: string): T => {
    const found = list.find((o) => o.schema === schema && o.name === name);
    // Snowflake refuses ALTER / GRANT on an object that does not exist: so does the interpreter (statement order)
    if (!found)
      throw new Error(`applied-catalog: ${what} ${schema}.${name} does not exist: ${sql.slice(0, 80)}`);
    return found;
  };
  switch (command[1]) {
    case 'CREATE OR ALTER ALERT':
    case 'ALTER ALERT':
      return; // alerts (3_monitoring/2_alerts.sql) are not modelled: plan does not compare them
    case 'CREATE SCHEMA IF NOT EXISTS':
      // a schema's name is its second part here: "DB"."SCHEMA"
      if (!catalog.schemas.includes(name)) catalog.schemas.push(name);
      return;
    case 'CREATE FILE FORMAT IF NOT EXISTS':
      if (!catalog.fileFormats.some((o) => o.schema === schema && o.name === name))
        catalog.fileFormats.push({ schema, name, comment });
      return;
    case 'ALTER FILE FORMAT':
      existing(catalog.fileFormats, 'file format'); // options are not modelled (plan does not compare them)
      return;
    case 'CREATE STAGE IF NOT EXISTS':
      if (!catalog.stages.some((o) => o.schema === schema && o.name === name)) {
        const url = /\bURL = '([^']*)'/.exec(sql)?.[1] ?? '';
        const storageIntegration = unquote(
          new RegExp(`STORAGE_INTEGRATION = (${NAME})`).exec(sql)?.[1] ?? '""',
        );
        catalog.stages.push({ schema, name, comment, url, storageIntegration });
      }
      return;
    case 'ALTER STAGE':
      // SET FILE_FORMAT: the default format shows only in DESC STAGE, which plan does not read
      existing(catalog.stages, 'stage');
      return;
    case 'CREATE TABLE IF NOT EXISTS':
      if (!catalog.tables.some((t) => t.schema === schema && t.name === name)) {
        catalog.tables.push({ schema, name, comment, columns: tableColumns(sql) });
      }
      return;
    case 'ALTER TABLE':
      addColumn(existing(catalog.tables, 'table'), sql);
      return;
    case 'CREATE STREAM IF NOT EXISTS': {
      const tableName = streamSource(sql.slice(sql.indexOf(' ON TABLE ') + ' ON TABLE '.length));
      if (!catalog.streams.some((s) => s.schema === schema && s.name === name))
        catalog.streams.push({ schema, name, comment, tableName });
      return;
    }
    case 'CREATE PIPE IF NOT EXISTS':
      if (!catalog.pipes.some((p) => p.schema === schema && p.name === name)) {
        const errorIntegration = errorIntegrationOf(sql.slice(0, sql.search(/^\s*AS\s*$/m)));
        catalog.pipes.push({ schema, name, comment, definition: bodyAfterAs(sql), errorIntegration });
      }
      return;
    case 'ALTER PIPE': {
      const pipe = existing(catalog.pipes, 'pipe');
      const set = errorIntegrationOf(sql);
      if (set === null) throw new Error(`applied-catalog: no rule for ${sql}`);
      pipe.errorIntegration = set;
      return;
    }
    case 'GRANT MONITOR ON PIPE':
      existing(catalog.pipes, 'pipe'); // grants are not compared by plan
      return;
    case 'CREATE OR REPLACE VIEW': {
      catalog.views = catalog.views.filter((v) => !(v.schema === schema && v.name === name));
      catalog.views.push({ schema, name, comment, text: sql });
      return;
    }
    default:
      runTask(catalog, command[1] as string, schema, name, sql, comment);
  }
}

/** `ERROR_INTEGRATION = "X"` as a stored name, or null when the text has none. */
function errorIntegrationOf(sql: string): string | null {
  const match = new RegExp(`\\bERROR_INTEGRATION = (${NAME})`).exec(sql);
  return match ? unquote(match[1] as string) : null;
}

function runTask(
  catalog: FakeCatalog,
  command: string,
  schema: string,
  name: string,
  sql: string,
  comment: string,
) {
  const task = catalog.tasks.find((t) => t.schema === schema && t.name === name);
  if (command === 'CREATE OR ALTER TASK') {
    // CREATE OR ALTER sets what it names and unsets the rest: every field is written
    const properties = sql.slice(0, sql.search(/^\s*AS\s*$/m));
    const warehouse = new RegExp(`^\\s*WAREHOUSE = (${NAME})`, 'm').exec(properties)?.[1];
    const fields = {
      schedule: /SCHEDULE = '([^']*)'/.exec(properties)?.[1] ?? '',
      warehouse: warehouse === undefined ? null : unquote(warehouse),
      definition: bodyAfterAs(sql),
      condition: /^\s*WHEN (.*)$/m.exec(properties)?.[1] ?? '',
      errorIntegration: errorIntegrationOf(properties),
      comment,
    };
    if (task) Object.assign(task, fields);
    else catalog.tasks.push({ schema, name, state: 'suspended', ...fields }); // created suspended
    return;
  }
  // ALTER TASK IF EXISTS … SUSPEND runs before the task is first created; a plain ALTER TASK needs it
  if (!task) {
    if (command === 'ALTER TASK IF EXISTS') return;
    throw new Error(`applied-catalog: task ${schema}.${name} does not exist: ${sql}`);
  }
  if (/\bRESUME$/.test(sql)) task.state = 'started';
  else if (/\bSUSPEND$/.test(sql)) task.state = 'suspended';
  else throw new Error(`applied-catalog: no rule for ${sql}`);
}

/** [schema, object] of a 3-part name, or [database, schema] of a 2-part one, unquoted. */
function nameOf(text: string): [string, string] {
  const match = QUALIFIED.exec(text);
  if (!match) return ['', ''];
  const parts = [match[1], match[2], match[3]].filter((p): p is string => p !== undefined).map(unquote);
  return parts.length === 3
    ? [parts[1] as string, parts[2] as string]
    : [parts[0] as string, parts[1] as string];
}

/**
 * SHOW STREAMS `table_name` is `DB.S.T` in the docs' examples; how a part that needs quotes is printed is not
 * documented, so such parts are printed quoted here (plan reads both forms).
 */
function streamSource(text: string): string {
  const match = QUALIFIED.exec(text);
  if (!match) return '';
  return [match[1], match[2], match[3]]
    .map((quoted) => {
      const name = unquote(quoted ?? '""');
      return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : quoted;
    })
    .join('.');
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1).replaceAll('""', '"');
}

function commentOf(sql: string): string {
  const match = /\bCOMMENT = '((?:[^'\\]|''|\\.)*)'/.exec(sql);
  return match ? (match[1] as string).replace(/''/g, "'").replace(/\\(.)/g, '$1') : '';
}

/** The text after the line `  AS`, as Snowflake keeps it for pipes and tasks (without the `;`). */
function bodyAfterAs(sql: string): string {
  const as = /^\s*AS\s*$/m.exec(sql);
  return as ? sql.slice(as.index + as[0].length).trim() : '';
}

const COLUMN_LINE = new RegExp(String.raw`^\s*(${NAME}) ([A-Z_]+(?:\(\d+(?:,\d+)?\))?)`);

function tableColumns(sql: string): CatalogColumn[] {
  const body = sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'));
  return body
    .split('\n')
    .map((line) => COLUMN_LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: unquote(m[1] as string), dataType: dataTypeJson(m[2] as string) }));
}

function addColumn(table: CatalogTable, sql: string): void {
  // one or several columns (`ADD COLUMN IF NOT EXISTS a T1, b T2`); each type without what may follow it (DEFAULT …)
  const list = /ADD COLUMN IF NOT EXISTS\s+([\s\S]*)$/.exec(sql)?.[1];
  const column = new RegExp(String.raw`(${NAME})\s+([A-Z_]+(?:\(\d+(?:,\d+)?\))?)`, 'g');
  const found = list === undefined ? [] : [...list.matchAll(column)];
  if (found.length === 0) throw new Error(`applied-catalog: no rule for ${sql}`);
  for (const match of found) {
    const name = unquote(match[1] as string);
    if (!table.columns.some((c) => c.name === name)) {
      table.columns.push({ name, dataType: dataTypeJson(match[2] as string) });
    }
  }
}

/** How SHOW COLUMNS reports a declared type (reference/snowflake-catalog.md §1). */
export function dataTypeJson(declared: string): Record<string, unknown> {
  const [, base = '', a, b] = /^([A-Z_]+)(?:\((\d+)(?:,(\d+))?\))?$/.exec(declared) ?? [];
  const n = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  switch (base) {
    case 'NUMBER':
      return { type: 'FIXED', precision: n(a, 38), scale: n(b, 0), nullable: true };
    case 'VARCHAR': {
      const length = n(a, 16777216);
      return {
        type: 'TEXT',
        length,
        byteLength: Math.min(length * 4, 16777216),
        nullable: true,
        fixed: false,
      };
    }
    case 'BINARY':
      return {
        type: 'BINARY',
        length: n(a, 8388608),
        byteLength: n(a, 8388608),
        nullable: true,
        fixed: false,
      };
    case 'FLOAT':
      return { type: 'REAL', nullable: true };
    case 'TIME':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return { type: base, precision: 0, scale: n(a, 9), nullable: true };
    default:
      return { type: base, nullable: true };
  }
}
