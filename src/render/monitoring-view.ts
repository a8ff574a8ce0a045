/** View model of the monitoring views (templates/monitoring/views.sql.hbs): every name already quoted. */
import { hasPipe, type PipelineModel } from '../model/types.js';
import { identifier as id, literal, qualified, qualifiedNameLiteral } from '../sql/quote.js';

/** The pipeline's table in every monitoring view; no Snowflake system function returns a column of this name. */
export const MONITORING_TABLE_COLUMN = 'SNOWSTAGE_TABLE';

/** COPY_HISTORY output columns the view keeps, in the function page's order (its TABLE_NAME is the landing table). */
export const COPY_HISTORY_COLUMNS = [
  'FILE_NAME',
  'STAGE_LOCATION',
  'LAST_LOAD_TIME',
  'ROW_COUNT',
  'ROW_PARSED',
  'FILE_SIZE',
  'FIRST_ERROR_MESSAGE',
  'FIRST_ERROR_LINE_NUMBER',
  'FIRST_ERROR_CHARACTER_POS',
  'FIRST_ERROR_COLUMN_NAME',
  'ERROR_COUNT',
  'ERROR_LIMIT',
  'STATUS',
  'TABLE_CATALOG_NAME',
  'TABLE_SCHEMA_NAME',
  'TABLE_NAME',
  'PIPE_CATALOG_NAME',
  'PIPE_SCHEMA_NAME',
  'PIPE_NAME',
  'PIPE_RECEIVED_TIME',
] as const;

/** TASK_HISTORY output columns the view keeps, in the function page's order (QUERY_TEXT, the MERGE, is left out). */
export const TASK_HISTORY_COLUMNS = [
  'QUERY_ID',
  'NAME',
  'DATABASE_NAME',
  'SCHEMA_NAME',
  'STATE',
  'ERROR_CODE',
  'ERROR_MESSAGE',
  'SCHEDULED_TIME',
  'QUERY_START_TIME',
  'NEXT_SCHEDULED_TIME',
  'COMPLETED_TIME',
  'SCHEDULED_FROM',
  'ATTEMPT_NUMBER',
] as const;

export function monitoringView(model: PipelineModel) {
  const { database, rawSchema } = model.snowflake;
  const view = (name: string) => qualified({ database, schema: rawSchema, name });
  return {
    pipeStatusView: view('SNOWSTAGE_PIPE_STATUS'),
    copyHistoryView: view('SNOWSTAGE_COPY_HISTORY'),
    taskHistoryView: view('SNOWSTAGE_TASK_HISTORY'),
    informationSchema: `${id(database)}.INFORMATION_SCHEMA`,
    tableColumn: MONITORING_TABLE_COLUMN,
    copyHistoryColumns: COPY_HISTORY_COLUMNS,
    taskHistoryColumns: TASK_HISTORY_COLUMNS,
    databaseLiteral: literal(database),
    rawSchemaLiteral: literal(rawSchema),
    // tables loaded by the Lambda COPY loader have no pipe; COPY_HISTORY shows their bulk COPY loads as well
    pipes: model.tables.filter(hasPipe).map((t) => ({
      tableLiteral: literal(t.name),
      pipeLiteral: qualifiedNameLiteral(t.pipe),
    })),
    tables: model.tables.map((t) => ({
      tableLiteral: literal(t.name),
      landingLiteral: qualifiedNameLiteral(t.rawTable),
      taskNameLiteral: literal(t.task.name),
    })),
  };
}
