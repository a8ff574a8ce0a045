/**
 * View model of the alerts (templates/monitoring/alerts.sql.hbs): every name and literal already quoted here.
 * Each alert's condition returns one row per problem, (SNOWSTAGE_TABLE, PROBLEM); its action reads those rows back
 * with RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID()) and sends them as one message.
 */
import { META } from '../model/names.js';
import type { PipelineModel, TableModel } from '../model/types.js';
import {
  executeImmediate,
  identifier as id,
  literal,
  qualified,
  qualifiedNameLiteral,
} from '../sql/quote.js';
import { MONITORING_TABLE_COLUMN } from './monitoring-view.js';

/** The alerts, in the order the file creates them; the name is the alert's in the raw schema. */
export const ALERTS = [
  { key: 'loadErrors', name: 'SNOWSTAGE_ALERT_LOAD_ERRORS', what: 'files failed to load' },
  { key: 'mergeFailures', name: 'SNOWSTAGE_ALERT_MERGE_FAILURES', what: 'MERGE task runs failed' },
  { key: 'mergeLag', name: 'SNOWSTAGE_ALERT_MERGE_LAG', what: 'loaded rows wait too long for the MERGE' },
  {
    key: 'streamsTasks',
    name: 'SNOWSTAGE_ALERT_STREAMS_TASKS',
    what: 'streams near staleness or MERGE tasks suspended',
  },
] as const;

/** COPY_HISTORY statuses of files that did not load whole (compared upper-cased, as `status` does). */
export const FAILED_LOAD_STATUSES = ['LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED'] as const;
export const FAILED_TASK_STATES = ['FAILED', 'FAILED_AND_AUTO_SUSPENDED'] as const;
/** History is read back at most this far, also after an alert was suspended for a long time. */
export const ALERT_LOOKBACK_HOURS = 24;

/** undefined when the metadata names no notification integration: then no alerts file is generated. */
export function alertsView(model: PipelineModel) {
  const integration = model.alerts.notificationIntegration;
  if (integration === undefined) return undefined;
  const { database, rawSchema, warehouse } = model.snowflake;
  const name = (alert: string) => qualified({ database, schema: rawSchema, name: alert });
  const where = `${database}.${rawSchema}`;
  return {
    schedule: literal(`${model.alerts.scheduleMinutes} MINUTE`),
    warehouse: warehouse === undefined ? undefined : id(warehouse),
    integrationName: integration,
    alerts: Object.fromEntries(
      ALERTS.map((a) => [
        a.key,
        {
          name: name(a.name),
          comment: literal(
            `snowstage ${model.name}: ${a.what}; sends to notification integration ${integration}`,
          ),
          action: alertAction(model, integration, `${a.what} (${a.name} in ${where})`),
        },
      ]),
    ),
    tableColumn: MONITORING_TABLE_COLUMN,
    informationSchema: `${id(database)}.INFORMATION_SCHEMA`,
    rawSchema: `${id(database)}.${id(rawSchema)}`,
    databaseLiteral: literal(database),
    rawSchemaLiteral: literal(rawSchema),
    failedLoadStatuses: FAILED_LOAD_STATUSES.map(literal).join(', '),
    failedTaskStates: FAILED_TASK_STATES.map(literal).join(', '),
    lookbackHours: ALERT_LOOKBACK_HOURS,
    // where "since the last check" starts: the last successful check, but never more than the lookback ago
    lastCheck: `GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -${ALERT_LOOKBACK_HOURS}, SNOWFLAKE.ALERT.SCHEDULED_TIME()))`,
    streamStaleWithinHours: model.alerts.streamStaleWithinHours,
    loadedAt: id(META.loadedAt),
    mergedAt: id(META.mergedAt),
    // the merge-lag alert reads each table's stream: snapshot tables have none
    lagTables: model.tables.filter((t) => t.mode === 'incremental').map((t) => tableView(t)),
    tables: model.tables.map((t) => tableView(t)),
  };
}

function tableView(t: TableModel) {
  return {
    tableLiteral: literal(t.name),
    landingLiteral: qualifiedNameLiteral(t.rawTable),
    taskNameLiteral: literal(t.task.name),
    streamNameLiteral: literal(t.stream.name),
    stream: qualified(t.stream),
    target: qualified(t.targetTable),
    maxMergeLagMinutes: t.maxMergeLagMinutes,
    lagText: literal(
      ` loaded rows wait for the MERGE, for more than ${t.maxMergeLagMinutes} minutes, since `,
    ),
  };
}

/**
 * The action: one message per check, whatever the number of problems. Sent as plain text (email, webhook) and as
 * JSON (queues such as SNS); Snowflake picks the format the integration takes (SYSTEM$SEND_SNOWFLAKE_NOTIFICATION
 * with an ARRAY of messages). A Snowflake Scripting block, so it is passed as EXECUTE IMMEDIATE text.
 */
function alertAction(model: PipelineModel, integration: string, what: string): string {
  const headline = literal(`snowstage pipeline ${model.name}: ${what}`);
  const footer = literal('Run `snowstage status` for the details; README, "Failures", says what to do.');
  const block = [
    'BEGIN',
    '  LET body VARCHAR := (',
    `    SELECT ${headline} || '\\n' ||`,
    `      LISTAGG(${MONITORING_TABLE_COLUMN} || ': ' || PROBLEM, '\\n') WITHIN GROUP (ORDER BY ${MONITORING_TABLE_COLUMN}, PROBLEM) ||`,
    `      '\\n\\n' || ${footer}`,
    '    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));',
    '  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(',
    '    ARRAY_CONSTRUCT(',
    '      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),',
    `      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', ${literal(model.name)}, 'text', :body)))),`,
    `    SNOWFLAKE.NOTIFICATION.INTEGRATION(${literal(integration)}));`,
    'END;',
  ].join('\n');
  return executeImmediate(block);
}
