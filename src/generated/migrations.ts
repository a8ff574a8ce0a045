/**
 * Changes that a normal apply cannot make become numbered migrations. The committed generated tree is the record
 * of what was deployed: its model.json (or, for older trees, its SQL) is compared with the metadata, and
 * `generate` adds, in this order:
 *   - NNN_retire_table_<t>.sql for a table removed from the metadata (its pipe, task and stream keep running);
 *   - NNN_change_column_types[_<t>].sql for retyped columns (ADD COLUMN IF NOT EXISTS does nothing to them);
 *   - NNN_recreate_pipe[s]….sql when a COPY statement, the stage's URL or its integration changed;
 *   - NNN_retire_pipe[s]….sql for a table switched to the Lambda COPY loader (loader: lambda): drained, dropped.
 * Existing migrations are kept as they are, so the tree stays a history and a rerun of `generate` changes nothing.
 * Changes snowstage will not make are returned as problems (data, printed by the CLI), and then nothing is written.
 */
import { hasPipe, type PipelineModel } from '../model/types.js';
import {
  columnTypesView,
  type MigrationHeader,
  recreatePipesView,
  retirePipesView,
  retireTableView,
} from '../render/migration-views.js';
import type { RenderedFile, Templates } from '../render/render.js';
import { normalize } from '../render/render.js';
import { splitStatements } from '../sql/split.js';
import {
  type ManifestTable,
  type ModelManifest,
  manifestOf,
  manifestPipes,
  previousManifest,
} from './manifest.js';
import { diffModels, type ModelDiff, type TypeChange } from './model-diff.js';

export const MIGRATIONS_DIR = 'migrations/';

export interface MigrationOptions {
  /** `generate --drop-tables`: a removed table's migration also drops its landing and target tables */
  readonly dropTables?: boolean;
}

/** A change snowstage refuses to make, located in the metadata (the CLI adds line and column). */
export interface MigrationProblem {
  readonly file: string;
  readonly pointer: string;
  readonly message: string;
}

/** One migration written by this run, and what it covers, for `generate`'s report. */
export interface AddedMigration {
  readonly path: string;
  readonly kind: 'retire_table' | 'column_types' | 'recreate_pipes' | 'retire_pipes';
  readonly covers: string;
}

export interface MigrationResult {
  /** rendered files plus every migration (kept and new), sorted by path */
  readonly files: RenderedFile[];
  readonly diff: ModelDiff;
  readonly added: readonly AddedMigration[];
  /** pipes to recreate (table names), empty when none */
  readonly recreatedPipes: readonly string[];
  readonly problems: readonly MigrationProblem[];
}

export function withMigrations(
  model: PipelineModel,
  existing: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
  templates: Templates,
  options: MigrationOptions = {},
): MigrationResult {
  const kept = [...existing]
    .filter(([path]) => path.startsWith(MIGRATIONS_DIR))
    .map(([path, content]) => ({ path, content }));
  const previous = previousManifest(existing);
  const diff = diffModels(previous, manifestOf(model));
  const stage = stageMove(model, existing, rendered, previous?.stageUrl);
  const pipes = pipesToRecreate(model, existing, rendered, stage.changed);
  const problems = [...refusals(model, diff.typeChanges), ...modeChanges(model, previous), ...stage.problems];
  if (problems.length > 0) return { files: [...rendered], diff, added: [], recreatedPipes: pipes, problems };

  const context: BuildContext = { model, templates, options, number: counter(kept.length) };
  const added = [
    ...diff.tablesRemoved.map((table) => retireTable(context, table)),
    ...columnTypes(context, diff.typeChanges),
    ...recreatePipes(context, pipes, stage.changed),
    ...retirePipes(context, diff.pipesRetired),
  ];
  const files = [
    ...rendered,
    ...kept,
    ...added.map((m) => ({ path: m.path, content: normalize(m.content) })),
  ];
  return {
    files: files.sort((a, b) => compare(a.path, b.path)),
    diff,
    added: added.map(({ path, kind, covers }) => ({ path, kind, covers })),
    recreatedPipes: pipes,
    problems: [],
  };
}

interface NewMigration extends AddedMigration {
  readonly content: string;
}

interface BuildContext {
  readonly model: PipelineModel;
  readonly templates: Templates;
  readonly options: MigrationOptions;
  /** the next free migration number, 001-style, counting the kept ones */
  readonly number: () => string;
}

function counter(start: number): () => string {
  let count = start;
  return () => String(++count).padStart(3, '0');
}

function header(context: BuildContext, number: string, file: string, sources: string): MigrationHeader {
  return { pipeline: context.model.name, title: `migration ${number}`, sources, number, file };
}

function retireTable(context: BuildContext, table: ManifestTable): NewMigration {
  const number = context.number();
  const file = `${number}_retire_table_${table.name}`;
  const dropTables = context.options.dropTables === true;
  const view = retireTableView(
    table,
    header(context, number, file, 'the committed generated tree (model.json)'),
    dropTables,
  );
  return {
    path: `${MIGRATIONS_DIR}${file}.sql`,
    kind: 'retire_table',
    covers: `table ${table.name} removed: pauses and drops its pipe, task and stream${dropTables ? ', and drops its tables' : ' (tables kept)'}`,
    content: context.templates['migration/retire_table.sql'](view),
  };
}

/** One file for every retyped column of this run; none when nothing is altered or rebuilt. */
function columnTypes(context: BuildContext, all: readonly TypeChange[]): NewMigration[] {
  const changes = all.filter((c) => c.action !== 'refuse');
  if (!changes.some((c) => c.action !== 'keep')) return [];
  const tables = [...new Set(changes.map((c) => c.table))];
  const number = context.number();
  const file = `${number}_change_column_types${tables.length === 1 ? `_${tables[0]}` : ''}`;
  const view = columnTypesView(
    context.model,
    changes,
    header(context, number, file, 'the table files named below'),
    context.templates,
  );
  return [
    {
      path: `${MIGRATIONS_DIR}${file}.sql`,
      kind: 'column_types',
      covers: `column types of ${tables.join(', ')}`,
      content: context.templates['migration/change_column_types.sql'](view),
    },
  ];
}

function recreatePipes(
  context: BuildContext,
  pipes: readonly string[],
  stageChanged: boolean,
): NewMigration[] {
  if (pipes.length === 0) return [];
  const number = context.number();
  const file = `${number}_recreate_${pipes.length === 1 ? `pipe_${pipes[0]}` : 'pipes'}`;
  const tables = context.model.tables.filter((t) => pipes.includes(t.name));
  const reason = stageChanged
    ? "the stage's URL or storage integration changed; a stage changed under a pipe stops it (STOPPED_STAGE_ALTERED)"
    : `the COPY statement of ${pipes.join(', ')} changed`;
  const sources = 'pipeline.yaml and the table files named below';
  const view = recreatePipesView(
    context.model,
    tables,
    stageChanged,
    reason,
    header(context, number, file, sources),
    context.templates,
  );
  return [
    {
      path: `${MIGRATIONS_DIR}${file}.sql`,
      kind: 'recreate_pipes',
      covers: `pipe${pipes.length === 1 ? '' : 's'} of ${pipes.join(', ')} recreated (${reason})`,
      content: context.templates['migration/recreate_pipes.sql'](view),
    },
  ];
}

/** Tables switched from Snowpipe to the Lambda COPY loader: their pipes are drained and dropped, once, reviewed. */
function retirePipes(context: BuildContext, tables: readonly ManifestTable[]): NewMigration[] {
  if (tables.length === 0) return [];
  const names = tables.map((t) => t.name);
  const number = context.number();
  const pipes = tables.flatMap(manifestPipes).length;
  const what = names.length > 1 ? 'pipes' : pipes > 1 ? `pipes_${names[0]}` : `pipe_${names[0]}`;
  const file = `${number}_retire_${what}`;
  const view = retirePipesView(
    tables,
    header(
      context,
      number,
      file,
      'the committed generated tree (model.json) and the table files named below',
    ),
    context.templates,
  );
  return [
    {
      path: `${MIGRATIONS_DIR}${file}.sql`,
      kind: 'retire_pipes',
      covers: `pipe${pipes === 1 ? '' : 's'} of ${names.join(', ')} drained and dropped (loader: lambda)`,
      content: context.templates['migration/retire_pipes.sql'](view),
    },
  ];
}

function refusals(model: PipelineModel, changes: readonly TypeChange[]): MigrationProblem[] {
  return changes
    .filter((c) => c.action === 'refuse')
    .map((c) => {
      const table = model.tables.find((t) => t.name === c.table);
      const column = table?.columns.find((col) => col.name === c.column);
      return {
        file: table?.file ?? model.file,
        pointer: column ? `${column.pointer}/type` : '',
        message: `column ${c.column} of table ${c.table} changes from ${c.from} to ${c.to} in the target table, which snowstage will not do: ${c.reason}`,
      };
    });
}

/**
 * A table that switches between mode: incremental and mode: snapshot keeps its names but not its objects' shape
 * (a stream or none, a pipe with or without PATTERN, which only a recreated pipe can change, another task), and
 * its target's rows carry versions of the other kind. snowstage does not migrate that in place.
 */
function modeChanges(model: PipelineModel, previous: ModelManifest | undefined): MigrationProblem[] {
  const before = new Map((previous?.tables ?? []).map((t) => [t.name, t.mode ?? 'incremental']));
  return model.tables
    .filter((t) => before.has(t.name) && before.get(t.name) !== t.mode)
    .map((t) => ({
      file: t.file,
      // mode: incremental is usually left out (the default), and then the file is the place
      pointer: t.mode === 'snapshot' ? '/mode' : '',
      message: `table ${t.name} changes from mode: ${before.get(t.name)} to mode: ${t.mode}, which snowstage will not migrate in place (the stream, pipe and task differ): keep the mode, or remove the table (generate writes its retirement), apply, and add it again under another name or after dropping its Snowflake tables`,
    }));
}

const STAGE_FILE = '1_pipeline/4_stage.sql';

/**
 * Whether the stage moves (URL or integration), and a problem when the location it moves away from is no longer
 * allowed by the integration: until the migration has run, the stage and its pipes still read the old location.
 */
function stageMove(
  model: PipelineModel,
  existing: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
  previousUrl: string | undefined,
): { changed: boolean; problems: MigrationProblem[] } {
  const before = existing.get(STAGE_FILE);
  const after = rendered.find((f) => f.path === STAGE_FILE)?.content;
  if (before === undefined || after === undefined) return { changed: false, problems: [] };
  const changed = stageIdentity(before) !== stageIdentity(after);
  const oldUrl = previousUrl ?? '';
  if (!changed || oldUrl === '' || oldUrl === model.s3.dataUrl) return { changed, problems: [] };
  const allowed = model.snowflake.integration.allowedLocations;
  if (allowed.some((location) => location === '*' || oldUrl.startsWith(location)))
    return { changed, problems: [] };
  return {
    changed,
    problems: [
      {
        file: model.file,
        pointer: '/snowflake/storage_integration/allowed_locations',
        message:
          `the stage moves from ${oldUrl} to ${model.s3.dataUrl}, but no allowed location contains the old one: ` +
          `keep a location containing ${oldUrl} in allowed_locations (with the new one) until the migration that ` +
          'moves the stage has run (the stage and its pipes read the old location until then), then remove it',
      },
    ],
  };
}

function pipesToRecreate(
  model: PipelineModel,
  existing: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
  stageChanged: boolean,
): string[] {
  const byPath = new Map(rendered.map((f) => [f.path, f.content]));
  return model.tables
    .filter(hasPipe)
    .filter((table) => {
      const path = `2_tables/${table.name}/4_pipe.sql`;
      const before = existing.get(path);
      if (before === undefined) return false; // a new table: its pipe is simply created
      const after = byPath.get(path);
      if (stageChanged) return true;
      // the same text has the same COPY: only a changed file is split (500 tables, 500 pipe files)
      return after !== undefined && after !== before && copyStatement(before) !== copyStatement(after);
    })
    .map((table) => table.name);
}

/** The COPY statement of a pipe file: what CREATE OR ALTER PIPE cannot change. */
function copyStatement(sql: string): string | undefined {
  const create = splitStatements(sql).statements.find((s) => /^CREATE\s+PIPE\b/i.test(s.text));
  const at = create?.text.search(/\bCOPY\s+INTO\b/i) ?? -1;
  return create && at >= 0 ? create.text.slice(at) : undefined;
}

/** URL and integration of the stage: changing either stops the pipes on it. */
function stageIdentity(sql: string): string | undefined {
  const create = splitStatements(sql).statements.find((s) => /^CREATE\s+STAGE\b/i.test(s.text));
  if (!create) return undefined;
  return create.text
    .split('\n')
    .filter((line) => /^\s*(URL|STORAGE_INTEGRATION)\s*=/.test(line))
    .map((line) => line.trim())
    .join('\n');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
