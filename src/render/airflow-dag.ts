/**
 * model → generated/<pipeline>/airflow/<pipeline>.py: one Airflow DAG per pipeline. Pure; every name and value
 * reaches the template as Python source text made by src/sql/python-quote.ts (and SQL by src/sql/quote.ts).
 */
import type { AirflowModel, CliRunner, PipelineModel, TableModel } from '../model/types.js';
import {
  isDottedPath,
  jinjaInert,
  pythonCommentText,
  pythonName,
  pythonString,
  shellWord,
} from '../sql/python-quote.js';
import { qualified } from '../sql/quote.js';

export const STATUS_TASK_ID = 'check_status';

/** Path of the DAG file relative to generated/<pipeline>/. */
export function airflowDagPath(model: PipelineModel): string {
  return `airflow/${model.name}.py`;
}

export function airflowDagView(model: PipelineModel, airflow: AirflowModel, sources: string) {
  const operator = airflow.runner.kind === 'docker' ? 'DockerOperator' : 'BashOperator';
  return {
    pipelineComment: pythonCommentText(model.name),
    sourcesComment: pythonCommentText(sources),
    dagId: pythonString(`snowstage_${model.name}`),
    schedule: pythonString(airflow.schedule),
    timeZone: pythonString(airflow.timeZone),
    retries: String(airflow.retries),
    retryDelaySeconds: String(airflow.retryDelaySeconds),
    executionTimeoutMinutes: String(airflow.executionTimeoutMinutes),
    callbackImport: callbackImport(airflow.onFailureCallback),
    docker: airflow.runner.kind === 'docker',
    mergeNow: airflow.mergeNow,
    operator,
    tables: model.tables.map((table) => tableTasks(airflow, table)),
    status: {
      variable: STATUS_TASK_ID,
      taskId: pythonString(STATUS_TASK_ID),
      runArguments: runArguments(airflow.runner, ['status']),
    },
  };
}

function tableTasks(airflow: AirflowModel, table: TableModel) {
  const extract = pythonName('extract_', table.name);
  const merge = pythonName('merge_now_', table.name);
  return {
    name: pythonCommentText(table.name),
    extract: { variable: extract, taskId: pythonString(extract) },
    runArguments: runArguments(airflow.runner, ['extract', '--table', table.name]),
    pool: airflow.pool === undefined ? null : pythonString(airflow.pool),
    merge: { variable: merge, taskId: pythonString(merge) },
    connId: pythonString(airflow.snowflakeConnId),
    // sql is a templated field: Jinja must not see the task name's braces
    executeTask: pythonString(jinjaInert(`EXECUTE TASK ${qualified(table.task)}`)),
    chain: airflow.mergeNow ? [extract, merge, STATUS_TASK_ID] : [extract, STATUS_TASK_ID],
  };
}

/**
 * Operator keyword arguments that run `snowstage <args>`: DockerOperator gets an argument list (the image's
 * entrypoint is snowstage); BashOperator gets one shell command line, run in the installation directory and
 * with the worker's environment kept (append_env), since `env` alone would replace it. Both fields are Jinja
 * templates in Airflow, hence jinjaInert.
 */
function runArguments(runner: CliRunner, args: readonly string[]): { key: string; value: string }[] {
  if (runner.kind === 'docker') {
    return [
      { key: 'image', value: pythonString(runner.image) },
      { key: 'command', value: `[${args.map((a) => pythonString(jinjaInert(a))).join(', ')}]` },
    ];
  }
  const executable = `${runner.path === '/' ? '' : runner.path}/node_modules/.bin/snowstage`;
  const line = [executable, ...args].map(shellWord).join(' ');
  return [
    { key: 'bash_command', value: pythonString(jinjaInert(line)) },
    { key: 'cwd', value: pythonString(runner.path) },
    { key: 'append_env', value: 'True' },
  ];
}

/** `from acme.alerts import notify as snowstage_on_failure`, or null. */
function callbackImport(path: string | undefined): string | null {
  if (path === undefined) return null;
  if (!isDottedPath(path)) throw new Error(`"${path}" is not a dotted Python path`);
  const dot = path.lastIndexOf('.');
  return `from ${path.slice(0, dot)} import ${path.slice(dot + 1)} as snowstage_on_failure`;
}
