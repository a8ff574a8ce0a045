/**
 * The Snowflake side of the end-to-end suite, on DuckDB: applies the generated SQL files (DDL with types
 * translated, everything else emulated or skipped), loads extracted files the way the generated pipe does, and
 * runs the MERGE text taken from the generated task unchanged.
 *
 * Emulation, statement by statement:
 * - CREATE SCHEMA: run as generated (the database is ATTACHed under its exact name).
 * - CREATE TABLE / ALTER TABLE ADD COLUMN: run with each Snowflake type replaced by `duckdbType` and the
 *   trailing COMMENT clause dropped.
 * - CREATE STREAM … APPEND_ONLY: a table with the landing table's columns. Every load appends to it as well;
 *   a successful MERGE empties it in the same transaction (the stream offset advancing on commit).
 * - CREATE PIPE: `loadFile` (COPY with MATCH_BY_COLUMN_NAME = CASE_SENSITIVE and INCLUDE_METADATA).
 * - CREATE OR ALTER TASK: its MERGE is kept and run by `merge`; WHEN SYSTEM$STREAM_HAS_DATA is the empty check.
 * - CREATE OR ALTER TASK in 5_snapshot.sql (mode: snapshot): the MERGE and prune task bodies are kept and run in
 *   that order by `applySnapshot`; the data pipe is `loadFile` (landing table only: no stream), the markers pipe
 *   `loadKeyFile`.
 * - CREATE OR ALTER TASK in 7_delete_detection.sql: the bodies of the task and its AFTER child are kept and run
 *   in that order by `detectDeletes`; the key and marker pipes are `loadKeyFile` (the harness picks the table by
 *   file name, as the pipes' PATTERNs do).
 * - CREATE OR REPLACE VIEW of a table's live rows: run with COPY GRANTS and COMMENT dropped.
 * - Integration, file format, stage, ALTER TASK, monitoring views: Snowflake-only, skipped.
 * - maintenance/purge_tombstones.sql: not applied (as `apply` does); `purgeTombstones` runs it on request.
 */
import { META } from '../../src/model/names.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import type { RenderedFile } from '../../src/render/render.js';
import { isAppliedFile, PURGE_TOMBSTONES_FILE } from '../../src/snowflake/apply.js';
import { qualified } from '../../src/sql/quote.js';
import { splitStatements } from '../../src/sql/split.js';
import {
  duckdbType,
  numberFitsEmulation,
  openSnowflakeEmulator,
  quoteIdentifier,
  quoteText,
  type SnowflakeEmulator,
} from '../support/duckdb-snowflake.js';

/** A quoted Snowflake name: "a""b" */
const QUOTED = '"(?:[^"]|"")*"';
const QUALIFIED_NAME = `${QUOTED}\\.${QUOTED}\\.${QUOTED}`;
/** a generated Snowflake column type, e.g. NUMBER(10,2), VARCHAR, TIMESTAMP_NTZ(6) */
const TYPE = '[A-Z_]+(?:\\(\\d+(?:,\\d+)?\\))?';

/** The read_csv options equivalent to the generated file format (1_pipeline/3_file_format.sql). */
export const CSV_OPTIONS = [
  'header = true',
  "delim = ','",
  "quote = '\"'",
  "escape = '\"'",
  "new_line = '\\n'",
  'all_varchar = true',
  // EMPTY_FIELD_AS_NULL = TRUE and NULL_IF = (): only an unenclosed empty field is NULL, "" is ''
  "nullstr = ''",
  'allow_quoted_nulls = false',
  'strict_mode = true',
  "encoding = 'utf-8'",
].join(', ');

export interface LoadedFile {
  /** column names of the file's header, in file order */
  readonly header: readonly string[];
  /** header columns no landing column matches exactly (MATCH_BY_COLUMN_NAME ignores them) */
  readonly ignored: readonly string[];
  /** every loaded row as DuckDB read it, keyed by header name, in file order */
  readonly rows: readonly Record<string, string | null>[];
}

export interface MergeResult {
  /** false when the stream was empty (WHEN SYSTEM$STREAM_HAS_DATA) */
  readonly ran: boolean;
  readonly streamRows: number;
}

export class Warehouse {
  /** MERGE text per table name, from the last applied task file */
  readonly #merges = new Map<string, string>();
  /** per table name, the bodies of the delete-detection task and its prune task, in file order */
  readonly #deleteDetections = new Map<string, string[]>();
  /** per snapshot table, the bodies of its apply task (the MERGE) and its prune task, in file order */
  readonly #snapshotApplies = new Map<string, string[]>();
  /** the purge statements of the last applied tree (never run by `apply`) */
  #purge = '';

  private constructor(readonly db: SnowflakeEmulator) {}

  /** An empty warehouse with the pipeline's database attached under its exact name. */
  static async open(model: PipelineModel): Promise<Warehouse> {
    return new Warehouse(await openSnowflakeEmulator([{ name: model.snowflake.database, schemas: [] }]));
  }

  close(): void {
    this.db.close();
  }

  /** The generated MERGE of a table (what the task runs), exactly as rendered. */
  mergeSql(table: TableModel): string {
    const sql = this.#merges.get(table.name);
    if (sql === undefined) throw new Error(`no MERGE task applied for table ${table.name}`);
    return sql;
  }

  /** Applies generated files in path order, like `snowstage apply` would, for the given (possibly new) model. */
  async apply(model: PipelineModel, files: readonly RenderedFile[]): Promise<void> {
    for (const table of model.tables) {
      const wide = table.columns.filter((c) => !numberFitsEmulation(c.snowflakeType));
      if (wide.length > 0) {
        throw new Error(
          `the DuckDB TO_NUMBER emulation cannot hold ${wide.map((c) => `${c.name} ${c.snowflakeType}`).join(', ')}`,
        );
      }
    }
    this.#purge = files.find((f) => f.path === PURGE_TOMBSTONES_FILE)?.content ?? '';
    const sqlFiles = files
      .filter((f) => isAppliedFile(f.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sqlFiles) {
      const { statements, errors } = splitStatements(file.content);
      if (errors.length > 0) throw new Error(`${file.path}: ${JSON.stringify(errors)}`);
      for (const statement of statements) await this.#applyStatement(file.path, statement.text);
    }
    for (const table of model.tables.filter((t) => t.mode === 'incremental'))
      await this.#syncStreamColumns(table);
  }

  async #applyStatement(path: string, text: string): Promise<void> {
    const head = text.slice(0, 60).toUpperCase().replace(/\s+/g, ' ');
    if (head.startsWith('CREATE SCHEMA')) return this.db.run(text);
    if (head.startsWith('CREATE TABLE')) return this.db.run(translateCreateTable(text));
    if (head.startsWith('ALTER TABLE') && /\sADD COLUMN\s/i.test(text)) {
      for (const statement of translateAddColumn(text)) await this.db.run(statement);
      return;
    }
    if (head.startsWith('CREATE STREAM')) return this.#createStream(text);
    if (head.startsWith('CREATE OR ALTER TASK') && path.endsWith('/7_delete_detection.sql')) {
      return this.#keepDeleteDetection(path, text);
    }
    if (head.startsWith('CREATE OR ALTER TASK') && path.endsWith('/5_snapshot.sql')) {
      return this.#keepTaskBody(this.#snapshotApplies, path, text);
    }
    if (head.startsWith('CREATE OR ALTER TASK')) return this.#keepMerge(path, text);
    if (head.startsWith('CREATE OR REPLACE VIEW') && path.startsWith('2_tables/')) {
      return this.db.run(translateCreateView(text));
    }
    const snowflakeOnly = [
      'CREATE STORAGE INTEGRATION',
      'ALTER STORAGE INTEGRATION',
      'CREATE FILE FORMAT',
      'ALTER FILE FORMAT',
      'CREATE STAGE',
      'ALTER STAGE',
      'CREATE PIPE', // emulated by loadFile
      'ALTER PIPE', // SET ERROR_INTEGRATION
      'GRANT ', // admin/grants.sql
      'ALTER TASK', // SUSPEND / RESUME
      'CREATE OR REPLACE VIEW', // monitoring views over Snowflake's INFORMATION_SCHEMA
      'CREATE OR REPLACE SECURE VIEW',
      'CREATE OR ALTER ALERT', // 3_monitoring/2_alerts.sql: Snowflake's alert scheduler and notifications
      'ALTER ALERT', // RESUME
    ];
    if (snowflakeOnly.some((prefix) => head.startsWith(prefix))) return;
    throw new Error(`${path}: the e2e warehouse does not know this statement kind: ${text.slice(0, 80)}`);
  }

  /** APPEND_ONLY stream → a table the loader appends to and a successful MERGE empties. */
  async #createStream(text: string): Promise<void> {
    const match = new RegExp(
      `^CREATE\\s+STREAM\\s+IF\\s+NOT\\s+EXISTS\\s+(${QUALIFIED_NAME})\\s+ON\\s+TABLE\\s+(${QUALIFIED_NAME})\\s+APPEND_ONLY\\s*=\\s*TRUE`,
      'is',
    ).exec(text);
    if (!match) throw new Error(`unexpected CREATE STREAM shape: ${text}`);
    await this.db.run(`CREATE TABLE IF NOT EXISTS ${match[1]} AS SELECT * FROM ${match[2]} LIMIT 0`);
  }

  /** A stream shows columns added to its table later; the emulating table gets them too. */
  async #syncStreamColumns(table: TableModel): Promise<void> {
    const landing = await this.#columns(qualified(table.rawTable));
    const stream = new Set((await this.#columns(qualified(table.stream))).map((c) => c.name));
    for (const column of landing.filter((c) => !stream.has(c.name))) {
      await this.db.run(
        `ALTER TABLE ${qualified(table.stream)} ADD COLUMN ${quoteIdentifier(column.name)} ${column.type}`,
      );
    }
  }

  async #columns(relation: string): Promise<{ name: string; type: string }[]> {
    const rows = await this.db.rows(`DESCRIBE ${relation}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  #keepMerge(path: string, text: string): void {
    const tableName = /^2_tables\/([^/]+)\//.exec(path)?.[1];
    const start = text.search(/\bMERGE\s+INTO\b/);
    if (tableName === undefined || start < 0) throw new Error(`${path}: no MERGE in the task`);
    this.#merges.set(tableName, text.slice(start));
  }

  /** A delete-detection task's body (after its `AS` line), kept as generated: the task and then its prune task. */
  #keepDeleteDetection(path: string, text: string): void {
    this.#keepTaskBody(this.#deleteDetections, path, text);
  }

  /** A task's body (after its `AS` line), kept as generated; a root task starts its table's list again. */
  #keepTaskBody(kept: Map<string, string[]>, path: string, text: string): void {
    const tableName = /^2_tables\/([^/]+)\//.exec(path)?.[1];
    const as = /^\s*AS\s*$/m.exec(text);
    if (tableName === undefined || !as) throw new Error(`${path}: no task body`);
    const bodies = /\bAFTER\b/.test(text.slice(0, as.index)) ? (kept.get(tableName) ?? []) : [];
    kept.set(tableName, [...bodies, text.slice(as.index + as[0].length).trim()]);
  }

  /**
   * One run of a snapshot table's task graph (5_snapshot.sql): its MERGE, then its prune task. Each body runs as
   * generated; the MERGE source is first checked to have one row per target row (Snowflake would fail otherwise).
   */
  async applySnapshot(table: TableModel): Promise<void> {
    const bodies = this.#snapshotApplies.get(table.name);
    if (bodies?.length !== 2) throw new Error(`no snapshot tasks applied for ${table.name}`);
    for (const body of bodies) await this.db.run(body);
  }

  /** The generated delete-detection task, then its prune task (AFTER it), as one task graph run. */
  async detectDeletes(table: TableModel): Promise<void> {
    const bodies = this.#deleteDetections.get(table.name);
    if (bodies?.length !== 2) throw new Error(`no delete-detection tasks applied for ${table.name}`);
    for (const body of bodies) await this.db.run(body);
  }

  /**
   * What a key-snapshot pipe's COPY does with one file (a key file or a completion marker): header columns
   * matched by name (others ignored), plus METADATA$FILENAME and METADATA$START_SCAN_TIME.
   */
  async loadKeyFile(relation: string, stageName: string, localPath: string): Promise<number> {
    const source = `read_csv(${quoteText(localPath)}, ${CSV_OPTIONS})`;
    const header = (await this.db.rows(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name));
    const landing = new Set((await this.#columns(relation)).map((c) => c.name));
    const columns = header.filter((name) => landing.has(name)).map(quoteIdentifier);
    const target = [...columns, ...[META.file, META.loadedAt].map(quoteIdentifier)].join(', ');
    const [before] = await this.db.rows(`SELECT count(*) AS n FROM ${relation}`);
    await this.db.run(
      `INSERT INTO ${relation} (${target}) SELECT ${[...columns, quoteText(stageName), 'now()'].join(', ')} FROM ${source}`,
    );
    const [after] = await this.db.rows(`SELECT count(*) AS n FROM ${relation}`);
    return Number(after?.n ?? 0) - Number(before?.n ?? 0);
  }

  /**
   * What the pipe's COPY does with one file: columns matched case-sensitively by header name (others ignored,
   * missing ones NULL), plus METADATA$FILENAME (`stageName`, relative to the stage) and METADATA$FILE_ROW_NUMBER.
   * Appends to the landing table and its stream in one transaction.
   */
  async loadFile(table: TableModel, stageName: string, localPath: string): Promise<LoadedFile> {
    const source = `read_csv(${quoteText(localPath)}, ${CSV_OPTIONS}) WITH ORDINALITY`;
    const header = (await this.db.rows(`DESCRIBE SELECT * FROM ${source}`))
      .map((r) => String(r.column_name))
      .filter((name) => name !== 'ordinality');
    const landing = new Set((await this.#columns(qualified(table.rawTable))).map((c) => c.name));
    const matched = header.filter((name) => landing.has(name));
    const columns = matched.map(quoteIdentifier);
    const target = [...columns, ...[META.file, META.fileRow, META.loadedAt].map(quoteIdentifier)].join(', ');
    const values = [...columns, quoteText(stageName), 'ordinality', 'now()'].join(', ');
    await this.db.run('BEGIN TRANSACTION');
    try {
      await this.db.run(
        `CREATE OR REPLACE TEMP TABLE e2e_batch AS SELECT ${[...columns, 'ordinality'].join(', ')} FROM ${source}`,
      );
      // a snapshot table has no stream: its task reads the landing table
      const relations = [
        qualified(table.rawTable),
        ...(table.mode === 'incremental' ? [qualified(table.stream)] : []),
      ];
      for (const relation of relations) {
        await this.db.run(`INSERT INTO ${relation} (${target}) SELECT ${values} FROM e2e_batch`);
      }
      const rows = await this.db.rows(
        `SELECT ${columns.length > 0 ? columns.join(', ') : '1'} FROM e2e_batch ORDER BY ordinality`,
      );
      await this.db.run('DROP TABLE e2e_batch');
      await this.db.run('COMMIT');
      return {
        header,
        ignored: header.filter((name) => !landing.has(name)),
        rows: rows.map((r) => Object.fromEntries(matched.map((name) => [name, textOrNull(r[name])]))),
      };
    } catch (error) {
      await this.db.run('ROLLBACK');
      throw error;
    }
  }

  /**
   * Runs the generated purge as `apply --purge-tombstones` would, with Snowflake's DATEADD(DAY, -n, CURRENT_TIMESTAMP)
   * written as DuckDB interval arithmetic. Returns the number of statements run.
   */
  async purgeTombstones(): Promise<number> {
    const { statements, errors } = splitStatements(this.#purge);
    if (errors.length > 0 || statements.length === 0)
      throw new Error(`no purge to run: ${JSON.stringify(errors)}`);
    for (const statement of statements) await this.db.run(translateDateAdd(statement.text));
    return statements.length;
  }

  async streamRowCount(table: TableModel): Promise<number> {
    const [row] = await this.db.rows(`SELECT count(*) AS n FROM ${qualified(table.stream)}`);
    return Number(row?.n ?? 0);
  }

  /**
   * One task run: when the stream has rows, checks that the MERGE source has one row per key (DuckDB would
   * apply two silently where Snowflake fails), runs the generated MERGE, and consumes the stream, all in one
   * transaction. A failing MERGE leaves the stream as it was.
   */
  async merge(table: TableModel): Promise<MergeResult> {
    const sql = this.mergeSql(table);
    for (const name of [qualified(table.stream), qualified(table.targetTable)]) {
      if (!sql.includes(name)) throw new Error(`the generated MERGE of ${table.name} does not name ${name}`);
    }
    const streamRows = await this.streamRowCount(table);
    if (streamRows === 0) return { ran: false, streamRows };
    await this.db.run('BEGIN TRANSACTION');
    try {
      await this.#assertOneSourceRowPerKey(table, sql);
      await this.db.run(sql);
      await this.db.run(`DELETE FROM ${qualified(table.stream)}`);
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK');
      throw error;
    }
    return { ran: true, streamRows };
  }

  async #assertOneSourceRowPerKey(table: TableModel, sql: string): Promise<void> {
    const keys = table.primaryKey.map((c) => quoteIdentifier(c.name)).join(', ');
    const duplicates = await this.db.rows(
      `SELECT ${keys}, count(*) AS n FROM (${usingSubquery(sql)}) AS s GROUP BY ${keys} HAVING count(*) > 1 LIMIT 5`,
    );
    if (duplicates.length > 0) {
      throw new Error(
        `MERGE source of ${table.name} has several rows for one key (Snowflake would fail the MERGE): ${JSON.stringify(duplicates)}`,
      );
    }
  }

  /** Runs a query against the warehouse (for checks and comparisons). */
  rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.db.rows(sql);
  }
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** CREATE TABLE with every column type translated and the Snowflake COMMENT clause dropped. */
export function translateCreateTable(text: string): string {
  const withoutComment = text.replace(/\)\s*COMMENT\s*=\s*'(?:[^'\\]|''|\\.)*'\s*$/s, ')');
  const column = new RegExp(`^(\\s*${QUOTED}\\s+)(${TYPE})`, 'gm');
  return withoutComment.replace(column, (_all, name: string, type: string) => `${name}${duckdbType(type)}`);
}

/**
 * The generated `ALTER TABLE t ADD COLUMN IF NOT EXISTS c1 type1, c2 type2, …` (one statement for every column, as
 * Snowflake allows) as one DuckDB statement per column, types translated: DuckDB adds one column per ALTER TABLE.
 */
export function translateAddColumn(text: string): string[] {
  const head = new RegExp(
    `^(ALTER\\s+TABLE\\s+${QUALIFIED_NAME}\\s+ADD\\s+COLUMN\\s+IF\\s+NOT\\s+EXISTS)\\s+`,
    's',
  ).exec(text);
  if (!head) throw new Error(`unexpected ADD COLUMN shape: ${text}`);
  const column = new RegExp(`\\s*(${QUOTED})\\s+(${TYPE})(\\s+DEFAULT\\s+FALSE)?\\s*(,|$)`, 'sy');
  const statements: string[] = [];
  column.lastIndex = head[0].length;
  while (column.lastIndex < text.length) {
    const match = column.exec(text);
    if (!match) throw new Error(`unexpected ADD COLUMN shape: ${text}`);
    statements.push(`${head[1]} ${match[1]} ${duckdbType(match[2] as string)}${match[3] ?? ''}`);
    if (match[4] === '') break;
  }
  return statements;
}

/** CREATE OR REPLACE VIEW with Snowflake's COPY GRANTS and COMMENT clauses dropped (DuckDB has neither). */
export function translateCreateView(text: string): string {
  const match = new RegExp(
    `^(CREATE\\s+OR\\s+REPLACE\\s+VIEW\\s+${QUALIFIED_NAME})\\s+COPY\\s+GRANTS\\s+COMMENT\\s*=\\s*'(?:[^']|'')*'\\s+(AS\\s.*)$`,
    's',
  ).exec(text);
  if (!match) throw new Error(`unexpected CREATE VIEW shape: ${text.slice(0, 200)}`);
  return `${match[1]} ${match[2]}`;
}

/** DATEADD(DAY, -n, CURRENT_TIMESTAMP) → DuckDB interval arithmetic; anything else is left alone. */
export function translateDateAdd(text: string): string {
  return text.replace(
    /DATEADD\(DAY, -(\d+), CURRENT_TIMESTAMP\)/g,
    (_all, days: string) => `(CURRENT_TIMESTAMP - INTERVAL ${days} DAY)`,
  );
}

/** The text inside `USING ( … )` of a MERGE: its deduplicated source, runnable on its own. */
export function usingSubquery(merge: string): string {
  const open = /\bUSING\s*\(/.exec(merge);
  if (!open) throw new Error('MERGE without USING (subquery)');
  const start = open.index + open[0].length;
  let depth = 1;
  for (let i = start; i < merge.length; i++) {
    const ch = merge.charAt(i);
    if (ch === "'" || ch === '"') {
      i = merge.indexOf(ch, i + 1);
      if (i < 0) break;
      continue; // a doubled quote just reopens and closes again
    }
    if (ch === '(') depth++;
    if (ch === ')' && --depth === 0) return merge.slice(start, i);
  }
  throw new Error('unbalanced parentheses in the MERGE source');
}
