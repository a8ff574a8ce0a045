/**
 * The account as it looks after running generated/<pipeline>/: a small interpreter of the generated DDL that
 * fills a fake catalog the way Snowflake would (types reported as SHOW COLUMNS JSON, pipe and task bodies after
 * AS, tasks created suspended and then resumed). It reads the SQL text, not the model, so a plan test that expects
 * "no changes" proves plan's wanted state matches what apply actually runs.
 */
import { expectedStatements } from '../apply/fixtures.js';
import { type CatalogColumn, emptyCatalog, type FakeCatalog } from '../support/fake-catalog.js';

const NAME = '"(?:[^"]|"")*"';
const QUALIFIED = new RegExp(String.raw`^(${NAME})\.(${NAME})(?:\.(${NAME}))?`);

export async function catalogAfterApply(generatedDir: string, database: string): Promise<FakeCatalog> {
  const catalog = emptyCatalog(database);
  for (const { text } of await expectedStatements(generatedDir)) run(catalog, text);
  return catalog;
}

function run(catalog: FakeCatalog, sql: string): void {
  const command =
    /^(CREATE SCHEMA IF NOT EXISTS|CREATE FILE FORMAT IF NOT EXISTS|CREATE STAGE IF NOT EXISTS|CREATE TABLE IF NOT EXISTS|CREATE STREAM IF NOT EXISTS|CREATE PIPE IF NOT EXISTS|CREATE OR ALTER TASK|ALTER TASK IF EXISTS|ALTER TASK|ALTER TABLE) /.exec(
      sql,
    );
  if (!command) return; // integration, file format options, views: not read by plan
  const rest = sql.slice(command[0].length);
  const [schema, name] = nameOf(rest);
  const comment = commentOf(sql);
  switch (command[1]) {
    case 'CREATE SCHEMA IF NOT EXISTS':
      // a schema's name is its second part here: "DB"."SCHEMA"
      if (!catalog.schemas.includes(name)) catalog.schemas.push(name);
      return;
    case 'CREATE FILE FORMAT IF NOT EXISTS':
      if (!catalog.fileFormats.some((o) => o.name === name))
        catalog.fileFormats.push({ schema, name, comment });
      return;
    case 'CREATE STAGE IF NOT EXISTS':
      if (!catalog.stages.some((o) => o.name === name)) {
        const url = /\bURL = '([^']*)'/.exec(sql)?.[1] ?? '';
        const storageIntegration = unquote(
          new RegExp(`STORAGE_INTEGRATION = (${NAME})`).exec(sql)?.[1] ?? '""',
        );
        catalog.stages.push({ schema, name, comment, url, storageIntegration });
      }
      return;
    case 'CREATE TABLE IF NOT EXISTS':
      if (!catalog.tables.some((t) => t.schema === schema && t.name === name)) {
        catalog.tables.push({ schema, name, comment, columns: tableColumns(sql) });
      }
      return;
    case 'ALTER TABLE':
      addColumn(catalog, schema, name, sql);
      return;
    case 'CREATE STREAM IF NOT EXISTS': {
      const tableName = streamSource(sql.slice(sql.indexOf(' ON TABLE ') + ' ON TABLE '.length));
      if (!catalog.streams.some((s) => s.name === name))
        catalog.streams.push({ schema, name, comment, tableName });
      return;
    }
    case 'CREATE PIPE IF NOT EXISTS':
      if (!catalog.pipes.some((p) => p.name === name)) {
        catalog.pipes.push({ schema, name, comment, definition: bodyAfterAs(sql) });
      }
      return;
    default:
      runTask(catalog, command[1] as string, schema, name, sql, comment);
  }
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
    const fields = {
      schedule: /SCHEDULE = '([^']*)'/.exec(sql)?.[1] ?? '',
      warehouse: /WAREHOUSE = "([^"]*)"/.exec(sql)?.[1] ?? null,
      definition: bodyAfterAs(sql),
      condition: /\bWHEN (.*)$/m.exec(sql)?.[1] ?? '',
      comment,
    };
    if (task) Object.assign(task, fields);
    else catalog.tasks.push({ schema, name, state: 'suspended', ...fields }); // created suspended
    return;
  }
  if (task && /\bRESUME$/.test(sql)) task.state = 'started';
  if (task && /\bSUSPEND$/.test(sql)) task.state = 'suspended';
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

function addColumn(catalog: FakeCatalog, schema: string, name: string, sql: string): void {
  // the type, without what may follow it (DEFAULT …)
  const match = new RegExp(
    String.raw`ADD COLUMN IF NOT EXISTS (${NAME}) ([A-Z_]+(?:\(\d+(?:,\d+)?\))?)`,
  ).exec(sql);
  const table = catalog.tables.find((t) => t.schema === schema && t.name === name);
  if (!match || !table) return;
  const column = unquote(match[1] as string);
  if (!table.columns.some((c) => c.name === column)) {
    table.columns.push({ name: column, dataType: dataTypeJson(match[2] as string) });
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
