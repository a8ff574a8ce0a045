/**
 * View models for the migration templates. As in views.ts, every name and value is quoted here (src/sql/quote.ts);
 * Snowflake Scripting blocks are rendered from their own templates and wrapped by `executeImmediate`.
 */
import { type ManifestTable, manifestPipes } from '../generated/manifest.js';
import { COPY_COLUMN_PREFIX, type TypeChange } from '../generated/model-diff.js';
import { META } from '../model/names.js';
import { snapshotObjectsOf } from '../model/snapshot-objects.js';
import type { PipelineModel, QualifiedName, TableModel } from '../model/types.js';
import {
  executeImmediate,
  identifier as id,
  lineCommentText,
  literal,
  qualified,
  qualifiedNameLiteral,
} from '../sql/quote.js';
import { convertExpression } from './conversions.js';
import type { Templates } from './render.js';
import { pipeView, stageView } from './views.js';

export interface MigrationHeader {
  readonly pipeline: string;
  readonly title: string;
  readonly sources: string;
  readonly number: string;
  /** file name without .sql, as `apply --migration` takes it */
  readonly file: string;
}

export function retireTableView(table: ManifestTable, header: MigrationHeader, dropTables = false) {
  return {
    ...header,
    table: lineCommentText(table.name),
    pipe: qualified(table.pipe),
    task: qualified(table.task),
    stream: qualified(table.stream),
    landingTable: qualified(table.landingTable),
    targetTable: qualified(table.targetTable),
    dataKeyPrefix: lineCommentText(
      table.dataKeyPrefix === '' ? "the table's data folder" : table.dataKeyPrefix,
    ),
    dropTables,
    // a snapshot table's markers pipe and prune task go with it (its markers table with the other tables)
    snapshot: table.mode === 'snapshot' ? snapshotRetireView(table) : undefined,
  };
}

function snapshotRetireView(table: ManifestTable) {
  const objects = snapshotObjectsOf(table.landingTable, table.targetTable.name);
  return {
    markersPipe: qualified(objects.markersPipe),
    pruneTask: qualified(objects.pruneTask),
    markersTable: qualified(objects.markers),
  };
}

export function recreatePipesView(
  model: PipelineModel,
  tables: readonly TableModel[],
  stageChanged: boolean,
  reason: string,
  header: MigrationHeader,
  templates: Templates,
) {
  return {
    ...header,
    reason: lineCommentText(reason),
    stage: stageChanged ? stageView(model) : undefined,
    pipes: tables.map((table, i) => ({
      ...pipeView(model, table),
      label: lineCommentText(`pipe ${table.pipe.name} (table ${table.name})`),
      // session variables are plain identifiers; one per pipe, numbered, so no name can break them
      refreshVariable: `SNOWSTAGE_REFRESH_${i + 1}`,
      refreshPrefix: literal(`ALTER PIPE ${qualified(table.pipe)} REFRESH MODIFIED_AFTER = '`),
      pausedGate: pipeGate(templates, table.pipe, 'PAUSED'),
      runningGate: pipeGate(templates, table.pipe, 'RUNNING'),
    })),
  };
}

/**
 * Pipes of tables that switched to the Lambda COPY loader: paused, drained (the gate), dropped. `tables` come from
 * the committed model.json, so the names are those of the pipes that exist: the data pipe, a snapshot table's
 * markers pipe, and delete detection's key-file and key-marker pipes.
 */
export function retirePipesView(
  tables: readonly ManifestTable[],
  header: MigrationHeader,
  templates: Templates,
) {
  return {
    ...header,
    many: tables.length > 1,
    pipes: tables.flatMap((table) =>
      manifestPipes(table).map((pipe) => ({
        name: qualified(pipe),
        label: lineCommentText(`pipe ${pipe.name} (table ${table.name})`),
        pausedGate: pipeGate(templates, pipe, 'PAUSED', 'dropped'),
      })),
    ),
  };
}

/** A block that raises unless SYSTEM$PIPE_STATUS reports `state` (and, for PAUSED, no pending file). */
function pipeGate(
  templates: Templates,
  pipe: QualifiedName,
  state: 'PAUSED' | 'RUNNING',
  undone = 'recreated',
): string {
  const name = qualified(pipe);
  const message =
    state === 'PAUSED'
      ? `snowstage: pipe ${name} is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was ${undone}. ` +
        'Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.'
      : `snowstage: pipe ${name} does not report RUNNING after it was resumed; read SYSTEM$PIPE_STATUS for its error.`;
  const block = templates['migration/pipe_gate']({
    nameLiteral: qualifiedNameLiteral(pipe),
    state: literal(state),
    noPending: state === 'PAUSED',
    message: literal(message),
    passed: literal(`pipe ${name} is ${state}`),
  });
  return executeImmediate(block);
}

interface ColumnChangeView {
  readonly label: string;
  readonly alter: boolean;
  readonly table: string;
  readonly column: string;
  readonly from: string;
  readonly to: string;
  readonly reason?: string;
  readonly copy?: string;
  readonly landing?: string;
  readonly conversion?: string;
  readonly fileColumn?: string;
  readonly rowColumn?: string;
  readonly landingFile?: string;
  readonly landingRow?: string;
  readonly loadedColumn?: string;
  readonly gate?: string;
}

export function columnTypesView(
  model: PipelineModel,
  changes: readonly TypeChange[],
  header: MigrationHeader,
  templates: Templates,
) {
  const names = [...new Set(changes.filter((c) => c.action !== 'keep').map((c) => c.table))];
  const tables = model.tables
    .filter((t) => names.includes(t.name))
    .map((table) => {
      const mine = changes.filter((c) => c.table === table.name && c.action !== 'keep');
      return {
        name: lineCommentText(table.name),
        task: qualified(table.task),
        suspend: mine.some((c) => c.action === 'copy'),
        // in-place ALTERs first: they are quick and keep values; then the rebuilds
        changes: [
          ...mine.filter((c) => c.action === 'alter'),
          ...mine.filter((c) => c.action === 'copy'),
        ].map((c) => columnChangeView(table, c, templates)),
      };
    });
  return {
    ...header,
    tableList: lineCommentText(names.join(', ')),
    tables,
    kept: changes
      .filter((c) => c.action === 'keep')
      .map((c) =>
        lineCommentText(`landing column ${c.column} of ${c.table}: ${c.from} to ${c.to}: ${c.reason}.`),
      ),
  };
}

function columnChangeView(table: TableModel, change: TypeChange, templates: Templates): ColumnChangeView {
  const on = change.on === 'landing' ? table.rawTable : table.targetTable;
  const base = {
    label: lineCommentText(`${change.on} column ${change.column} of ${table.name}`),
    alter: change.action === 'alter',
    table: qualified(on),
    column: id(change.column),
    from: change.from,
    to: change.to,
  };
  if (change.action === 'alter') return base;
  const column = table.columns.find((c) => c.name === change.column);
  if (!column) throw new Error(`column ${change.column} is not in table ${table.name}`);
  const copy = id(`${COPY_COLUMN_PREFIX}${change.column}`);
  const names = {
    table: qualified(table.targetTable),
    landing: qualified(table.rawTable),
    fileColumn: id(META.file),
    rowColumn: id(META.fileRow),
  };
  const block = templates['migration/copy_gate']({
    ...names,
    message: literal(
      `snowstage: rows of ${names.table} have no landing row in ${names.landing} to recompute ${column.name} ` +
        'from (pruned?); nothing was dropped. Re-extract the table with --backfill, let it load, run this again.',
    ),
    passed: literal(`every row of ${names.table} has its landing row`),
  });
  return {
    ...base,
    reason: lineCommentText(change.reason.replace(/:.*$/, '')),
    copy,
    landing: names.landing,
    conversion: convertExpression(column, `r.${id(column.name)}`),
    fileColumn: names.fileColumn,
    rowColumn: names.rowColumn,
    // the target's own _SNOWSTAGE_FILE columns stay unqualified in the WHERE (UPDATE takes no target alias), so
    // the landing side is renamed; reserved names, which no metadata column can have
    landingFile: id('_SNOWSTAGE_LANDING_FILE'),
    landingRow: id('_SNOWSTAGE_LANDING_FILE_ROW'),
    loadedColumn: id(META.loadedAt),
    gate: executeImmediate(block),
  };
}
