/**
 * model.json: the model a generated tree was rendered from, in reviewable JSON. The next `generate` compares the
 * metadata with it to say what changed in the model (tables and columns added, removed or retyped) and to write
 * the migrations those changes need. Deterministic: tables sorted by name, columns in metadata order, no times.
 *
 * Trees generated before model.json existed are read from their SQL instead (`legacyManifest`): the object names
 * from the CREATE statements and the column types from the `ADD COLUMN IF NOT EXISTS` statements, which every
 * table file of that format carries one per column (later trees: one statement listing every column).
 */
import { keySnapshotPipesOf } from '../model/key-snapshot-pipes.js';
import { snapshotObjectsOf } from '../model/snapshot-objects.js';
import type { PipelineModel, QualifiedName, TableModel } from '../model/types.js';
import { splitStatements } from '../sql/split.js';

export const MANIFEST_FILE = 'model.json';

export interface ManifestColumn {
  /** Snowflake column name */
  readonly name: string;
  /** the MySQL type as written in metadata ("" when read from a tree older than model.json) */
  readonly mysqlType: string;
  readonly landingType: string;
  readonly targetType: string;
  readonly primaryKey: boolean;
}

export interface ManifestTable {
  readonly name: string;
  /** written only for mode: snapshot (its absence is incremental, as in trees written before modes existed) */
  readonly mode?: 'snapshot';
  readonly landingTable: QualifiedName;
  readonly targetTable: QualifiedName;
  readonly stream: QualifiedName;
  /** the table's pipe, or the name it would have when `loader` is lambda (no pipe then) */
  readonly pipe: QualifiedName;
  /** present only for a table loaded by the Lambda COPY loader; absent means Snowpipe (as in older trees) */
  readonly loader?: 'lambda';
  /**
   * written only for a table with delete_detection (it has key-snapshot pipes unless loaded by the Lambda loader);
   * filled in from the SQL for a model.json written before this field existed (`previousManifest`)
   */
  readonly deleteDetection?: true;
  readonly task: QualifiedName;
  readonly dataKeyPrefix: string;
  readonly columns: readonly ManifestColumn[];
}

export interface ModelManifest {
  readonly about: string;
  readonly pipeline: string;
  readonly stageUrl: string;
  readonly allowedLocations: readonly string[];
  readonly tables: readonly ManifestTable[];
}

const ABOUT =
  'snowstage: the model this directory was generated from. `snowstage generate` compares the next metadata with ' +
  'it to find added, removed and retyped tables and columns. Do not edit.';

export function manifestOf(model: PipelineModel): ModelManifest {
  return {
    about: ABOUT,
    pipeline: model.name,
    stageUrl: model.s3.dataUrl,
    allowedLocations: [...model.snowflake.integration.allowedLocations],
    tables: [...model.tables].sort((a, b) => compare(a.name, b.name)).map(manifestTable),
  };
}

function manifestTable(table: TableModel): ManifestTable {
  const keys = new Set(table.primaryKey.map((c) => c.name));
  return {
    name: table.name,
    ...(table.mode === 'snapshot' ? { mode: 'snapshot' as const } : {}),
    landingTable: name(table.rawTable),
    targetTable: name(table.targetTable),
    stream: name(table.stream),
    pipe: name(table.pipe),
    ...(table.loader === 'lambda' ? { loader: 'lambda' as const } : {}),
    ...(table.deleteDetection ? { deleteDetection: true as const } : {}),
    task: name(table.task),
    dataKeyPrefix: table.dataKeyPrefix,
    columns: table.columns.map((c) => ({
      name: c.name,
      mysqlType: c.mysqlType.text,
      landingType: c.rawType,
      targetType: c.snowflakeType,
      primaryKey: keys.has(c.name),
    })),
  };
}

/**
 * Every pipe a table loaded by Snowpipe has, by its model.json entry: the data pipe, a snapshot table's markers
 * pipe, and delete detection's key-file and key-marker pipes.
 */
export function manifestPipes(table: ManifestTable): QualifiedName[] {
  const keys = keySnapshotPipesOf(table.landingTable, table.targetTable.name);
  return [
    table.pipe,
    ...(table.mode === 'snapshot'
      ? [snapshotObjectsOf(table.landingTable, table.targetTable.name).markersPipe]
      : []),
    ...(table.deleteDetection ? [keys.keys, keys.markers] : []),
  ];
}

/** Only the three parts, in this order, whatever else the object carries. */
function name(q: QualifiedName): QualifiedName {
  return { database: q.database, schema: q.schema, name: q.name };
}

export function manifestJson(manifest: ModelManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The model of a committed tree: model.json when present, otherwise what the SQL of an older tree says;
 * undefined for an empty tree (the first `generate`).
 */
export function previousManifest(tree: ReadonlyMap<string, string>): ModelManifest | undefined {
  const json = tree.get(MANIFEST_FILE);
  if (json !== undefined) {
    try {
      return withDeleteDetection(JSON.parse(json) as ModelManifest, tree);
    } catch {
      // edited by hand into something unreadable: the SQL next to it says the same, and --check shows the edit
    }
  }
  const legacy = legacyManifest(tree);
  return legacy && withDeleteDetection(legacy, tree);
}

/** A table of the tree has delete detection when its 7_delete_detection.sql is there (any format of model.json). */
function withDeleteDetection(manifest: ModelManifest, tree: ReadonlyMap<string, string>): ModelManifest {
  return {
    ...manifest,
    tables: manifest.tables.map((t) =>
      t.deleteDetection || !tree.has(`2_tables/${t.name}/7_delete_detection.sql`)
        ? t
        : { ...t, deleteDetection: true as const },
    ),
  };
}

const TABLE_DIR = /^2_tables\/([^/]+)\//;

function legacyManifest(tree: ReadonlyMap<string, string>): ModelManifest | undefined {
  const names = [...new Set([...tree.keys()].map((p) => TABLE_DIR.exec(p)?.[1]).filter(isString))].sort(
    compare,
  );
  if (names.length === 0) return undefined;
  const tables = names.map((table) => legacyTable(tree, table)).filter((t) => t !== undefined);
  return {
    about: ABOUT,
    pipeline: '',
    stageUrl: literalAfter(tree.get('1_pipeline/4_stage.sql') ?? '', 'URL') ?? '',
    allowedLocations: [],
    tables,
  };
}

function legacyTable(tree: ReadonlyMap<string, string>, table: string): ManifestTable | undefined {
  const file = (n: string) => tree.get(`2_tables/${table}/${n}`) ?? '';
  const landing = tableColumns(file('1_landing_table.sql'));
  const target = tableColumns(file('2_target_table.sql'));
  const stream = createdName(file('3_stream.sql'), /^CREATE\s+STREAM\s+IF\s+NOT\s+EXISTS\s+/i);
  const pipe = createdName(file('4_pipe.sql'), /^CREATE\s+PIPE\s+IF\s+NOT\s+EXISTS\s+/i);
  const task = createdName(file('5_merge_task.sql'), /^CREATE\s+OR\s+ALTER\s+TASK\s+/i);
  if (!landing || !target || !stream || !pipe || !task) return undefined;
  const landingTypes = new Map(landing.columns.map((c) => [c.name, c.type]));
  const keys = primaryKeyOf(file('2_target_table.sql'));
  return {
    name: table,
    landingTable: landing.table,
    targetTable: target.table,
    stream,
    pipe,
    task,
    dataKeyPrefix: '',
    columns: target.columns
      .filter((c) => !c.name.startsWith('_SNOWSTAGE_'))
      .map((c) => ({
        name: c.name,
        mysqlType: '',
        landingType: landingTypes.get(c.name) ?? '',
        targetType: c.type,
        primaryKey: keys.has(c.name),
      })),
  };
}

const ADD_COLUMN = /^ALTER\s+TABLE\s+/i;
const ADD_COLUMN_CLAUSE = /^\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+/i;

/**
 * The table and its columns, from `ALTER TABLE <t> ADD COLUMN IF NOT EXISTS <c> <type>` statements: one per column
 * (trees of that format) or one listing them all, `<c1> <type1>, <c2> <type2>, …` (the current format).
 */
function tableColumns(
  sql: string,
): { table: QualifiedName; columns: { name: string; type: string }[] } | undefined {
  let table: QualifiedName | undefined;
  const columns: { name: string; type: string }[] = [];
  for (const { text } of splitStatements(sql).statements) {
    const head = ADD_COLUMN.exec(text);
    if (!head) continue;
    const parsed = readQualified(text, head[0].length);
    const clause = parsed && ADD_COLUMN_CLAUSE.exec(text.slice(parsed.end));
    if (!parsed || !clause) continue;
    table ??= asName(parsed.parts);
    columns.push(...columnList(text, parsed.end + clause[0].length));
  }
  return table ? { table, columns } : undefined;
}

/** `"c1" type1, "c2" type2, …` from `start` to the end; a comma inside parentheses (NUMBER(10,2)) is the type's. */
function columnList(text: string, start: number): { name: string; type: string }[] {
  const columns: { name: string; type: string }[] = [];
  let i = start;
  while (i < text.length) {
    const column = readQualified(text, i);
    if (column?.parts.length !== 1) break;
    let depth = 0;
    let end = column.end;
    while (end < text.length && !(depth === 0 && text.charAt(end) === ',')) {
      if (text.charAt(end) === '(') depth++;
      if (text.charAt(end) === ')') depth--;
      end++;
    }
    columns.push({ name: column.parts[0] as string, type: text.slice(column.end, end).trim() });
    i = end + 1;
    while (/\s/.test(text.charAt(i))) i++;
  }
  return columns;
}

function primaryKeyOf(sql: string): Set<string> {
  const key = /PRIMARY KEY \(((?:"(?:[^"]|"")*"(?:, )?)+)\)/.exec(sql)?.[1] ?? '';
  return new Set([...key.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => (m[1] as string).replaceAll('""', '"')));
}

function createdName(sql: string, head: RegExp): QualifiedName | undefined {
  for (const { text } of splitStatements(sql).statements) {
    const match = head.exec(text);
    if (!match) continue;
    const parsed = readQualified(text, match[0].length);
    return parsed ? asName(parsed.parts) : undefined;
  }
  return undefined;
}

/** `"a"."b"."c"` at `start` (each part double-quoted, `""` an escaped quote, as src/sql/quote.ts writes them). */
export function readQualified(text: string, start: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    if (text.charAt(i) !== '"') return undefined;
    let part = '';
    let j = i + 1;
    for (;;) {
      const close = text.indexOf('"', j);
      if (close < 0) return undefined;
      part += text.slice(j, close);
      if (text.charAt(close + 1) === '"') {
        part += '"';
        j = close + 2;
        continue;
      }
      i = close + 1;
      break;
    }
    parts.push(part);
    if (text.charAt(i) !== '.') return { parts, end: i };
    i++;
  }
}

function asName(parts: string[]): QualifiedName | undefined {
  const [database, schema, object] = parts;
  if (parts.length !== 3 || database === undefined || schema === undefined || object === undefined)
    return undefined;
  return { database, schema, name: object };
}

/** The single-quoted value of `KEY = '...'` on a line of its own, as the generated stage file writes it. */
function literalAfter(sql: string, key: string): string | undefined {
  const match = new RegExp(`^\\s*${key}\\s*=\\s*'((?:[^'\\\\]|''|\\\\.)*)'`, 'm').exec(sql);
  return match?.[1]?.replace(/''/g, "'").replace(/\\(.)/g, '$1');
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
