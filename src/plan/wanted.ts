/**
 * What the pipeline wants to exist in Snowflake, derived from the model through the same view models and templates
 * `generate` renders, so plan compares the account with exactly what apply would run.
 */
import {
  hasPipe,
  type MergeSchedule,
  type PipelineModel,
  type QualifiedName,
  type TableModel,
} from '../model/types.js';
import { monitoringView } from '../render/monitoring-view.js';
import { type RenderedFile, render, type Templates } from '../render/render.js';
import { landingTableView, targetTableView } from '../render/views.js';
import { unquoteIdentifier } from '../sql/quote.js';
import { splitStatements } from '../sql/split.js';
import { canonicalType } from './data-type.js';
import { nameParts } from './names.js';
import type { WantedColumn, WantedPipe, WantedState, WantedTask, WantedView } from './types.js';

export function wantedState(model: PipelineModel, templates: Templates): WantedState {
  const files = new Map(render(model, templates).map((f: RenderedFile) => [f.path, f.content]));
  const file = (table: TableModel, name: string): string => {
    const content = files.get(`2_tables/${table.name}/${name}`);
    if (content === undefined) throw new Error(`render produced no 2_tables/${table.name}/${name}`);
    return content;
  };
  const { database, rawSchema, targetSchema, fileFormat, stageFileFormat, stage } = model.snowflake;
  return {
    pipeline: model.name,
    database,
    rawSchema,
    targetSchema,
    fileFormats: [fileFormat, stageFileFormat],
    stage: { name: stage, url: model.s3.dataUrl, integration: model.snowflake.integration.name },
    tables: model.tables.flatMap((t) => [
      {
        name: t.rawTable,
        label: `${t.name}: landing table`,
        landing: true,
        columns: columnsOf(landingTableView(t)),
      },
      {
        name: t.targetTable,
        label: `${t.name}: target table`,
        landing: false,
        columns: columnsOf(targetTableView(t)),
      },
    ]),
    // a snapshot table has no stream; its task (the first in 5_snapshot.sql) is named like a MERGE task. Its
    // markers table, pipe and prune task are not compared, as delete detection's are not.
    streams: model.tables
      .filter((t) => t.mode === 'incremental')
      .map((t) => ({ name: t.stream, label: `${t.name}: stream`, source: t.rawTable })),
    // a table loaded by the Lambda COPY loader has no pipe
    pipes: model.tables
      .filter(hasPipe)
      .map((t) => wantedPipe(t, file(t, '4_pipe.sql'), model.snowflake.errorIntegration)),
    tasks: model.tables.map((t) =>
      wantedTask(model, t, file(t, t.mode === 'snapshot' ? '5_snapshot.sql' : '5_merge_task.sql')),
    ),
    views: wantedViews(model),
    unchecked: [...files]
      .filter(([path]) => /^2_tables\/[^/]+\/(5_snapshot|7_delete_detection)\.sql$/.test(path))
      .flatMap(([, sql]) => createdNames(sql)),
  };
}

const CREATED =
  /^CREATE\s+(?:TABLE\s+IF\s+NOT\s+EXISTS|PIPE\s+IF\s+NOT\s+EXISTS|OR\s+ALTER\s+TASK)\s+("(?:[^"]|"")*"\."(?:[^"]|"")*"\."(?:[^"]|"")*")/i;

/** The objects a rendered file creates (tables, pipes, tasks), by their generated 3-part names. */
function createdNames(sql: string): QualifiedName[] {
  return splitStatements(sql).statements.flatMap((s) => {
    const quoted = CREATED.exec(s.text)?.[1];
    if (quoted === undefined) return [];
    const [database = '', schema = '', name = ''] = nameParts(quoted);
    return [{ database, schema, name }];
  });
}

/** Each table's live view (when not turned off), then the monitoring views, named as their view models name them. */
function wantedViews(model: PipelineModel): WantedView[] {
  const live = model.tables.flatMap((t) =>
    t.liveView ? [{ name: t.liveView, label: `${t.name}: live view` }] : [],
  );
  const monitoring = monitoringView(model);
  const monitor = [monitoring.pipeStatusView, monitoring.copyHistoryView, monitoring.taskHistoryView].map(
    (quoted) => {
      const [database = '', schema = '', name = ''] = nameParts(quoted);
      return { name: { database, schema, name }, label: 'monitoring view' };
    },
  );
  return [...live, ...monitor];
}

function columnsOf(view: { columns: readonly { name: string; type: string }[] }): WantedColumn[] {
  return view.columns.map((c) => ({ name: unquoteIdentifier(c.name), type: canonicalType(c.type) }));
}

function wantedPipe(table: TableModel, sql: string, errorIntegration: string | undefined): WantedPipe {
  const create = statementStarting(sql, /^CREATE\s+PIPE\b/i);
  const at = create.search(/\bCOPY\s+INTO\b/i);
  return {
    name: table.pipe,
    label: `${table.name}: pipe`,
    copy: create.slice(at),
    landing: table.rawTable,
    errorIntegration,
  };
}

function wantedTask(model: PipelineModel, table: TableModel, sql: string): WantedTask {
  const create = statementStarting(sql, /^CREATE\s+OR\s+ALTER\s+TASK\b/i);
  // The body follows the first line that is only `AS` (the WHEN condition never is).
  const as = /^\s*AS\s*$/m.exec(create);
  return {
    name: table.task,
    label: `${table.name}: MERGE task`,
    schedule: scheduleText(table.mergeSchedule),
    warehouse: model.snowflake.warehouse,
    // only among the properties: a MERGE body has lines starting with WHEN MATCHED
    condition: /^\s*WHEN\s+(.*)$/m.exec(as ? create.slice(0, as.index) : create)?.[1]?.trim() ?? '',
    definition: as ? create.slice(as.index + as[0].length).trim() : '',
    landing: table.rawTable,
    errorIntegration: model.snowflake.errorIntegration,
  };
}

function statementStarting(sql: string, start: RegExp): string {
  const statement = splitStatements(sql).statements.find((s) => start.test(s.text));
  if (!statement) throw new Error(`rendered SQL has no statement matching ${start}`);
  return statement.text;
}

/** As SHOW TASKS prints a schedule (`60 MINUTE`, `USING CRON 0 * * * * UTC`); compare with `sameSchedule`. */
function scheduleText(schedule: MergeSchedule): string {
  return schedule.kind === 'interval'
    ? `${schedule.minutes} MINUTE`
    : `USING CRON ${schedule.expression} ${schedule.timeZone}`;
}
