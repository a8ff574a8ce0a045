/**
 * model → files. Pure: returns path → content and writes nothing. Paths sort in apply order.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { extractorPolicy, snowflakePermissionsPolicy, trustPolicy } from '../aws/policies.js';
import { MANIFEST_FILE, manifestJson, manifestOf } from '../generated/manifest.js';
import { handlebarsPackage } from '../lazy-packages.js';
import { hasPipe, type PipelineModel, type TableModel } from '../model/types.js';
import { PURGE_TOMBSTONES_FILE } from '../snowflake/apply.js';
import { lineCommentText } from '../sql/quote.js';
import { airflowDagPath, airflowDagView } from './airflow-dag.js';
import { alertsView } from './alerts-view.js';
import { deleteDetectionView } from './delete-detection-view.js';
import { grantsView } from './grants-view.js';
import { lambdaTemplate, lambdaTemplatePath } from './lambda-template.js';
import { monitoringView } from './monitoring-view.js';
import { snapshotView } from './snapshot-view.js';
import * as views from './views.js';

export interface RenderedFile {
  /** relative to generated/<pipeline>/, forward slashes */
  readonly path: string;
  readonly content: string;
}

export const TEMPLATE_NAMES = [
  'header',
  'pipeline/schemas.sql',
  'admin/grants.sql',
  'pipeline/file_format.sql',
  'pipeline/stage.sql',
  'table/landing_table.sql',
  'table/target_table.sql',
  'table/stream.sql',
  'table/pipe.sql',
  'table/merge_task.sql',
  'table/live_view.sql',
  'table/delete_detection.sql',
  'table/snapshot.sql',
  'monitoring/views.sql',
  'monitoring/alerts.sql',
  'maintenance/purge_tombstones.sql',
  'table/pipe_copy',
  'migration/recreate_pipes.sql',
  'migration/change_column_types.sql',
  'migration/retire_table.sql',
  'migration/retire_pipes.sql',
  'migration/pipe_gate',
  'migration/copy_gate',
  'airflow/dag.py',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type Templates = Readonly<Record<TemplateName, Handlebars.TemplateDelegate>>;

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

/** Compile options of every template: strict (a missing value is an error), never HTML-escaped. */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: true } as const;

interface Precompiled {
  readonly source: string;
  readonly spec: Parameters<typeof Handlebars.template>[0];
}

/**
 * Loads every template: the build's precompiled one (scripts/compile-templates.mjs) while the file still has the
 * text it was compiled from, compiled here otherwise.
 */
export function loadTemplates(dir: URL = TEMPLATE_DIR): Templates {
  const precompiled = dir.href === TEMPLATE_DIR.href ? loadPrecompiled() : {};
  const sources = TEMPLATE_NAMES.map(
    (name) => [name, readFileSync(fileURLToPath(new URL(`${name}.hbs`, dir)), 'utf8')] as const,
  );
  const built = (name: TemplateName, source: string) => {
    const entry = precompiled[name];
    return entry?.source === source ? entry.spec : undefined;
  };
  // the runtime alone when the build compiled every template (the compiler and its source-map dependency are a
  // tenth of a small generate's start-up); the whole package when one has to be compiled here
  const everyBuilt = sources.every(([name, source]) => built(name, source) !== undefined);
  const hbs = handlebarsPackage(everyBuilt ? 'runtime' : 'compiler').create();
  let fromBuild = 0;
  const compile = (name: TemplateName, source: string) => {
    const spec = built(name, source);
    if (spec === undefined) return (hbs as typeof Handlebars).compile(source, TEMPLATE_OPTIONS);
    fromBuild++;
    return hbs.template(spec);
  };
  const compiled = Object.fromEntries(sources.map(([n, source]) => [n, compile(n, source)])) as Record<
    TemplateName,
    Handlebars.TemplateDelegate
  >;
  hbs.registerPartial('header', compiled.header);
  hbs.registerPartial('pipe_copy', compiled['table/pipe_copy']);
  precompiledInUse = fromBuild;
  return compiled;
}

let precompiledInUse = 0;

/** How many templates the last loadTemplates took from the build (tests check the build ships them all). */
export function precompiledTemplateCount(): number {
  return precompiledInUse;
}

/** The build's precompiled templates by name; none when running from src/ (tests) or before a build. */
function loadPrecompiled(): Partial<Record<TemplateName, Precompiled>> {
  try {
    return createRequire(import.meta.url)('./templates-precompiled.cjs') as Partial<
      Record<TemplateName, Precompiled>
    >;
  } catch {
    return {};
  }
}

export function render(model: PipelineModel, templates: Templates): RenderedFile[] {
  const pipelineSources = 'pipeline.yaml';
  const sql = (
    path: string,
    name: TemplateName,
    title: string,
    sources: string,
    view: object,
  ): RenderedFile => ({
    path,
    content: normalize(
      templates[name]({
        ...view,
        pipeline: model.name,
        title: lineCommentText(title),
        sources: lineCommentText(sources),
      }),
    ),
  });
  const files: RenderedFile[] = [
    sql(
      '1_pipeline/1_schemas.sql',
      'pipeline/schemas.sql',
      'schemas',
      pipelineSources,
      views.schemasView(model),
    ),
    sql(
      'admin/grants.sql',
      'admin/grants.sql',
      'storage integration and grants (administrator)',
      pipelineSources,
      grantsView(model),
    ),
    sql(
      '1_pipeline/3_file_format.sql',
      'pipeline/file_format.sql',
      'CSV file format',
      pipelineSources,
      views.fileFormatView(model),
    ),
    sql(
      '1_pipeline/4_stage.sql',
      'pipeline/stage.sql',
      'external stage',
      pipelineSources,
      views.stageView(model),
    ),
    ...model.tables.flatMap((table) => tableFiles(model, table, sql)),
    sql(
      '3_monitoring/1_views.sql',
      'monitoring/views.sql',
      'monitoring views',
      allSources(model),
      monitoringView(model),
    ),
    ...alertFiles(model, sql),
    sql(
      PURGE_TOMBSTONES_FILE,
      'maintenance/purge_tombstones.sql',
      'purge of old tombstones (run only by apply --purge-tombstones)',
      allSources(model),
      views.purgeTombstonesView(model),
    ),
    json('aws/iam-trust-policy.json', trustPolicy(model)),
    json('aws/snowflake-role-policy.json', snowflakePermissionsPolicy(model)),
    json('aws/extractor-policy.json', extractorPolicy(model)),
    ...orchestratorFiles(model, templates),
    // what the next `generate` compares the metadata with (tables and columns added, removed, retyped)
    { path: MANIFEST_FILE, content: manifestJson(manifestOf(model)) },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Only when the metadata names a notification integration: an alert with nowhere to send is pointless. */
function alertFiles(model: PipelineModel, sql: SqlFile): RenderedFile[] {
  const view = alertsView(model);
  if (view === undefined) return [];
  return [sql('3_monitoring/2_alerts.sql', 'monitoring/alerts.sql', 'alerts', allSources(model), view)];
}

/** Files for the orchestrators the metadata enables: an Airflow DAG, a Lambda deployment template. */
function orchestratorFiles(model: PipelineModel, templates: Templates): RenderedFile[] {
  const files: RenderedFile[] = [];
  if (model.airflow) {
    const view = airflowDagView(model, model.airflow, allSources(model));
    files.push({ path: airflowDagPath(model), content: normalize(templates['airflow/dag.py'](view)) });
  }
  if (model.lambda) files.push(json(lambdaTemplatePath(), lambdaTemplate(model, model.lambda)));
  return files;
}

type SqlFile = (
  path: string,
  name: TemplateName,
  title: string,
  sources: string,
  view: object,
) => RenderedFile;

function tableFiles(model: PipelineModel, table: TableModel, sql: SqlFile): RenderedFile[] {
  const dir = `2_tables/${table.name}`;
  const sources = `pipeline.yaml, ${tableSource(table)}`;
  const title = (what: string) => `${what} of table ${table.name}`;
  const live = views.liveView(table);
  const deletes = deleteDetectionView(model, table);
  const snapshot = snapshotView(model, table);
  return [
    sql(
      `${dir}/1_landing_table.sql`,
      'table/landing_table.sql',
      title('landing table'),
      sources,
      views.landingTableView(table),
    ),
    sql(
      `${dir}/2_target_table.sql`,
      'table/target_table.sql',
      title('target table'),
      sources,
      views.targetTableView(table),
    ),
    // a snapshot table has no stream: its task reads the latest complete snapshot from the landing table
    ...(snapshot
      ? []
      : [sql(`${dir}/3_stream.sql`, 'table/stream.sql', title('stream'), sources, views.streamView(table))]),
    // a table loaded by the Lambda COPY loader has no pipe (its COPY is the pipe's, run by the loader)
    ...(hasPipe(table)
      ? [sql(`${dir}/4_pipe.sql`, 'table/pipe.sql', title('pipe'), sources, views.pipeView(model, table))]
      : []),
    snapshot
      ? sql(`${dir}/5_snapshot.sql`, 'table/snapshot.sql', title('snapshot apply'), sources, snapshot)
      : sql(
          `${dir}/5_merge_task.sql`,
          'table/merge_task.sql',
          title('MERGE task'),
          sources,
          views.mergeTaskView(model, table),
        ),
    ...(live
      ? [sql(`${dir}/6_live_view.sql`, 'table/live_view.sql', title('live rows view'), sources, live)]
      : []),
    ...(deletes
      ? [
          sql(
            `${dir}/7_delete_detection.sql`,
            'table/delete_detection.sql',
            title('delete detection'),
            sources,
            deletes,
          ),
        ]
      : []),
  ];
}

function tableSource(table: TableModel): string {
  return `tables/${basename(table.file)}`;
}

function allSources(model: PipelineModel): string {
  return ['pipeline.yaml', ...model.tables.map(tableSource)].join(', ');
}

function json(path: string, value: unknown): RenderedFile {
  return { path, content: `${JSON.stringify(value, null, 2)}\n` };
}

/** LF only, no trailing spaces, no runs of blank lines, exactly one trailing newline. */
export function normalize(text: string): string {
  return `${trimLinesAndBlankRuns(text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text).trim()}\n`;
}

/**
 * Every LF-separated line without what trimEnd removes from it, and the second and later of consecutive blank
 * lines dropped, in one scan back from each LF copying only the kept stretches: a split, a trimEnd per line and
 * a join, then a regex for the blank runs, were a fifth of the render CPU of a 500-table pipeline.
 */
function trimLinesAndBlankRuns(text: string): string {
  const kept: string[] = [];
  let start = 0; // the first character not yet copied or dropped; never after `from`
  let from = 0;
  let blankRun = 0;
  while (from <= text.length) {
    const newline = text.indexOf('\n', from);
    const end = newline === -1 ? text.length : newline;
    let last = end;
    while (last > from && isTrimmedSpace(text.charCodeAt(last - 1))) last--;
    blankRun = last === from ? blankRun + 1 : 0;
    if (blankRun >= 2 && newline !== -1) {
      kept.push(text.slice(start, from));
      start = end + 1;
    } else if (last < end) {
      kept.push(text.slice(start, last));
      start = end;
    }
    from = end + 1;
  }
  if (start === 0) return text;
  kept.push(text.slice(start));
  return kept.join('');
}

/** The white space and line terminators String.prototype.trimEnd removes (LF never reaches here). */
function isTrimmedSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(String.fromCharCode(code));
}
