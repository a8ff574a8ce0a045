/** The shapes of metadata files after schema validation (mirrors schemas/*.schema.json). */

export interface ScheduleDoc {
  interval_minutes?: number;
  cron?: string;
  time_zone?: string;
}

export interface TableSettingsDoc {
  merge_schedule?: ScheduleDoc;
  loader?: 'snowpipe' | 'lambda';
  null_cursor?: 'oldest' | 'fail';
  zero_date?: 'as_null' | 'fail';
  commit_lag_seconds?: number;
  lookback_seconds?: number;
  live_view?: boolean;
  tombstone_retention_days?: number;
  max_merge_lag_minutes?: number;
  max_extract_age_minutes?: number;
}

export interface AlertsDoc {
  notification_integration?: string;
  schedule_minutes?: number;
  stream_stale_within_hours?: number;
}

export interface PipelineDoc {
  name: string;
  description?: string;
  source: { host: string; port?: number | string; user: string; password?: string; database: string };
  s3: { bucket: string; prefix?: string; region: string; kms_key_arn?: string };
  snowflake: {
    database: string;
    raw_schema: string;
    target_schema: string;
    role?: string;
    warehouse?: string;
    monitor_role?: string;
    error_integration?: string;
    tasks?: { suspend_after_failures?: number; auto_retry_attempts?: number };
    storage_integration: {
      name: string;
      aws_role_arn: string;
      allowed_locations: string[];
      external_id?: string;
      aws_iam_user_arn?: string;
    };
  };
  alerts?: AlertsDoc;
  defaults?: TableSettingsDoc;
  airflow?: AirflowDoc;
  lambda?: LambdaDoc;
}

export interface LambdaDoc {
  enabled?: boolean;
  schedule: string;
  time_zone?: string;
  memory_mb?: number;
  timeout_seconds?: number;
  deadline_margin_seconds?: number;
  credentials?: 'parameters' | 'secrets_manager';
  loader?: { memory_mb?: number; timeout_seconds?: number };
}

export interface AirflowDoc {
  enabled?: boolean;
  schedule: string;
  time_zone?: string;
  retries?: number;
  retry_delay_seconds?: number;
  execution_timeout_minutes?: number;
  pool?: string;
  on_failure_callback?: string;
  merge_now?: boolean;
  snowflake_conn_id?: string;
  runner: { docker?: { image: string }; venv?: { path: string } };
}

export interface ColumnDoc {
  name: string;
  type: string;
  nullable?: boolean;
  snowflake_type?: string;
  description?: string;
}

export interface TableDoc {
  name: string;
  description?: string;
  source_table: string;
  target_table?: string;
  s3_path?: string;
  mode?: 'incremental' | 'snapshot';
  /** required in mode: incremental (build-table reports its absence), optional in mode: snapshot */
  primary_key?: string[];
  /** required in mode: incremental, refused in mode: snapshot */
  cursor?: { column: string; null_policy?: 'oldest' | 'fail'; time_zone?: string };
  soft_delete?: { column: string; when?: 'not_null' | 'true' };
  delete_detection?: { every_minutes: number };
  merge_schedule?: ScheduleDoc;
  zero_date?: 'as_null' | 'fail';
  commit_lag_seconds?: number;
  lookback_seconds?: number;
  loader?: 'snowpipe' | 'lambda';
  live_view?: boolean;
  tombstone_retention_days?: number;
  max_merge_lag_minutes?: number;
  max_extract_age_minutes?: number;
  columns: ColumnDoc[];
}
