/** View model of the administrator file (templates/admin/grants.sql.hbs): every name already quoted. */
import type { PipelineModel } from '../model/types.js';
import { identifier as id, lineCommentText, qualifiedSchema } from '../sql/quote.js';
import { integrationView, optionalId } from './views.js';

/**
 * The administrator file: the integration (account privilege CREATE INTEGRATION) and every grant the pipeline
 * role and the monitoring role need, so that the routine apply runs with no account-level privilege.
 */
export function grantsView(model: PipelineModel) {
  const { database, rawSchema, role, warehouse, monitorRole, errorIntegration } = model.snowflake;
  return {
    ...integrationView(model),
    integration: id(model.snowflake.integration.name),
    runsAs: lineCommentText(role === undefined ? 'as the role it connects with' : `as role ${id(role)}`),
    role: optionalId(role),
    database: id(database),
    rawSchema: qualifiedSchema(database, rawSchema),
    warehouse: optionalId(warehouse),
    errorIntegration: optionalId(errorIntegration),
    alertIntegration: optionalId(model.alerts.notificationIntegration),
    monitorRole: optionalId(monitorRole),
    // Pipes are granted MONITOR one by one by their owner in each 4_pipe.sql: bulk grants on pipes are not allowed.
    monitorGrants: [
      { privilege: 'MONITOR', objects: 'TASKS' },
      { privilege: 'SELECT', objects: 'VIEWS' },
    ],
  };
}
