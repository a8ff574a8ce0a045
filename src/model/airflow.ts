/** The `airflow:` block of pipeline.yaml → AirflowModel, with the checks its JSON Schema cannot express. */
import { Cron } from 'croner';
import type { AirflowDoc } from '../metadata/documents.js';
import { isDottedPath } from '../sql/python-quote.js';
import { isTimeZone } from './schedule.js';
import type { AirflowModel, CliRunner } from './types.js';

/** Airflow's cron presets (timetables docs, "Cron Presets"); @once and @continuous make no sense for a pipeline. */
const PRESETS = new Set(['@hourly', '@daily', '@weekly', '@monthly', '@quarterly', '@yearly']);

export const AIRFLOW_DEFAULTS = {
  timeZone: 'UTC',
  retries: 2,
  retryDelaySeconds: 300,
  executionTimeoutMinutes: 60,
  snowflakeConnId: 'snowflake_default',
} as const;

type Report = (pointer: string, message: string) => void;

export function buildAirflow(doc: AirflowDoc | undefined, report: Report): AirflowModel | undefined {
  if (doc === undefined || doc.enabled === false) return undefined;
  const schedule = doc.schedule.trim().replace(/\s+/g, ' ');
  const timeZone = doc.time_zone ?? AIRFLOW_DEFAULTS.timeZone;
  checkSchedule(schedule, timeZone, report);
  if (doc.on_failure_callback !== undefined && !isDottedPath(doc.on_failure_callback))
    report(
      '/airflow/on_failure_callback',
      `found "${doc.on_failure_callback}", expected a dotted Python path whose parts are not keywords`,
    );
  return {
    schedule,
    timeZone,
    retries: doc.retries ?? AIRFLOW_DEFAULTS.retries,
    retryDelaySeconds: doc.retry_delay_seconds ?? AIRFLOW_DEFAULTS.retryDelaySeconds,
    executionTimeoutMinutes: doc.execution_timeout_minutes ?? AIRFLOW_DEFAULTS.executionTimeoutMinutes,
    pool: doc.pool,
    onFailureCallback: doc.on_failure_callback,
    mergeNow: doc.merge_now ?? false,
    snowflakeConnId: doc.snowflake_conn_id ?? AIRFLOW_DEFAULTS.snowflakeConnId,
    runner: runnerOf(doc.runner),
  };
}

function runnerOf(runner: AirflowDoc['runner']): CliRunner {
  // The schema admits exactly one of the two.
  if (runner.docker) return { kind: 'docker', image: runner.docker.image };
  return { kind: 'venv', path: (runner.venv as { path: string }).path.replace(/\/+$/, '') || '/' };
}

function checkSchedule(schedule: string, timeZone: string, report: Report): void {
  if (!isTimeZone(timeZone))
    report('/airflow/time_zone', `found "${timeZone}", expected an IANA zone such as UTC or Europe/Berlin`);
  if (schedule.startsWith('@')) {
    if (!PRESETS.has(schedule))
      report(
        '/airflow/schedule',
        `found "${schedule}", expected one of ${[...PRESETS].join(', ')} or a cron`,
      );
    return;
  }
  const fields = schedule.split(' ').length;
  if (fields !== 5) {
    report(
      '/airflow/schedule',
      `found "${schedule}" with ${fields} fields, expected 5 (minute hour day-of-month month day-of-week) or a preset such as @hourly`,
    );
    return;
  }
  try {
    new Cron(schedule, { paused: true });
  } catch (error) {
    report('/airflow/schedule', `found "${schedule}", expected a valid cron (${(error as Error).message})`);
  }
}
