-- snowstage pipeline shop: alerts
-- Generated from pipeline.yaml, tables/currencies.yaml, tables/shipping_zones.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Alerts: Snowflake checks the pipeline on a schedule ('15 MINUTE') and sends one message per alert and check
-- to the notification integration SHOP_ALERTS when something needs attention. The same
-- conditions are problems in `snowstage status`. One alert per kind of problem, each over every table of the
-- pipeline (UNION ALL), so a message lists all tables with that problem and one failing check (a missing privilege)
-- does not silence the others. Each condition returns one row per problem: SNOWSTAGE_TABLE and PROBLEM; the action
-- reads them back with RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID()).
-- Events (failed loads, failed MERGE runs) are read from the last successful check on
-- (SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), at most 24 hours back), so each is sent once.
-- States (rows waiting, a stream near staleness, a suspended task) are sent on every check until fixed.
-- The alerts run on warehouse "LOAD_WH".
-- Alerts are created suspended, so each is resumed after CREATE OR ALTER (which keeps a resumed alert's state).
-- Syntax, clauses in the documented order:
--   CREATE OR ALTER ALERT: https://docs.snowflake.com/en/sql-reference/sql/create-alert
--   ALTER ALERT … RESUME: https://docs.snowflake.com/en/sql-reference/sql/alter-alert
--   LAST_SUCCESSFUL_SCHEDULED_TIME: https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time
--   SCHEDULED_TIME: https://docs.snowflake.com/en/sql-reference/functions/scheduled_time
--   GET_CONDITION_QUERY_UUID: https://docs.snowflake.com/en/sql-reference/functions/get_condition_query_uuid
--   SYSTEM$SEND_SNOWFLAKE_NOTIFICATION: https://docs.snowflake.com/en/sql-reference/stored-procedures/system_send_snowflake_notification
--   COPY_HISTORY: https://docs.snowflake.com/en/sql-reference/functions/copy_history
--   TASK_HISTORY: https://docs.snowflake.com/en/sql-reference/functions/task_history
--   SHOW STREAMS: https://docs.snowflake.com/en/sql-reference/sql/show-streams
--   SHOW TASKS: https://docs.snowflake.com/en/sql-reference/sql/show-tasks
--   ->> (pipe operator): https://docs.snowflake.com/en/sql-reference/operators-flow
--   EXECUTE IMMEDIATE: https://docs.snowflake.com/en/sql-reference/sql/execute-immediate

-- 1. Files a pipe did not load whole (Load failed, Partially loaded, Load skipped) since the last check.
CREATE OR ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_LOAD_ERRORS"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage shop: files failed to load; sends to notification integration SHOP_ALERTS'
  IF( EXISTS(
    SELECT 'currencies' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("LAKE".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"LAKE"."SHOP_RAW"."CURRENCIES"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
    UNION ALL
    SELECT 'shipping_zones' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("LAKE".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"LAKE"."SHOP_RAW"."SHIPPING_ZONES"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline shop: files failed to load (SNOWSTAGE_ALERT_LOAD_ERRORS in LAKE.SHOP_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'shop', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SHOP_ALERTS'));
END;
$$;

ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_LOAD_ERRORS" RESUME;

-- 2. MERGE task runs that failed (FAILED, FAILED_AND_AUTO_SUSPENDED) and completed since the last check. The range
-- of scheduled times starts an hour earlier, for a run scheduled before the last check that failed after it.
CREATE OR ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_MERGE_FAILURES"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage shop: MERGE task runs failed; sends to notification integration SHOP_ALERTS'
  IF( EXISTS(
    SELECT 'currencies' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("LAKE".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'CURRENCIES_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'LAKE' AND h.SCHEMA_NAME = 'SHOP_RAW'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
    UNION ALL
    SELECT 'shipping_zones' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("LAKE".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'SHIPPING_ZONES_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'LAKE' AND h.SCHEMA_NAME = 'SHOP_RAW'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline shop: MERGE task runs failed (SNOWSTAGE_ALERT_MERGE_FAILURES in LAKE.SHOP_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'shop', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SHOP_ALERTS'));
END;
$$;

ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_MERGE_FAILURES" RESUME;

-- 3. Loaded rows that wait in the stream for the MERGE longer than the table's max_merge_lag_minutes: the task
-- is failing, suspended or too slow. A quiet table (empty stream) is never reported, however old its last merge.
-- Selecting from a stream does not consume it (only DML does). Snapshot tables (mode: snapshot) have no stream and
-- are not checked here.
CREATE OR ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_MERGE_LAG"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage shop: loaded rows wait too long for the MERGE; sends to notification integration SHOP_ALERTS'
  IF( EXISTS(
    SELECT NULL AS SNOWSTAGE_TABLE, NULL AS PROBLEM WHERE FALSE
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline shop: loaded rows wait too long for the MERGE (SNOWSTAGE_ALERT_MERGE_LAG in LAKE.SHOP_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'shop', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SHOP_ALERTS'));
END;
$$;

ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_MERGE_LAG" RESUME;

-- 4. Streams whose stale_after is less than 48 hours away (or already stale), and MERGE tasks that are
-- suspended (by hand, or by Snowflake after SUSPEND_TASK_AFTER_NUM_FAILURES). SHOW is one of the condition
-- statements the CREATE ALERT page lists; its rows are filtered with the pipe operator ($2: SHOW STREAMS,
-- $1: SHOW TASKS). Whether Snowflake accepts a ->> chain as an alert condition is not stated on the CREATE ALERT
-- page and was not verified (README, "Alerts"); ALERT_HISTORY shows it if not.
CREATE OR ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_STREAMS_TASKS"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage shop: streams near staleness or MERGE tasks suspended; sends to notification integration SHOP_ALERTS'
  IF( EXISTS(
    SHOW STREAMS IN SCHEMA "LAKE"."SHOP_RAW"
    ->> SHOW TASKS IN SCHEMA "LAKE"."SHOP_RAW"
    ->> SELECT t.SNOWSTAGE_TABLE,
          'stream ' || s."name" || CASE WHEN TO_VARCHAR(s."stale") = 'true'
            THEN ' is stale: its unmerged rows are lost; recreate it and backfill the table'
            ELSE ' goes stale after ' || TO_VARCHAR(s."stale_after") || ' unless the MERGE task consumes it' END AS PROBLEM
        FROM $2 s
        JOIN (VALUES
            ('currencies', 'CURRENCIES_STREAM')
          , ('shipping_zones', 'SHIPPING_ZONES_STREAM')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON s."name" = t.OBJECT_NAME
        WHERE TO_VARCHAR(s."stale") = 'true' OR s."stale_after" < DATEADD(HOUR, 48, SNOWFLAKE.ALERT.SCHEDULED_TIME())
        UNION ALL
        SELECT t.SNOWSTAGE_TABLE,
          'MERGE task ' || k."name" || ' is suspended: nothing is merged until ALTER TASK ... RESUME' AS PROBLEM
        FROM $1 k
        JOIN (VALUES
            ('currencies', 'CURRENCIES_MERGE')
          , ('shipping_zones', 'SHIPPING_ZONES_MERGE')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON k."name" = t.OBJECT_NAME
        WHERE k."state" = 'suspended'
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline shop: streams near staleness or MERGE tasks suspended (SNOWSTAGE_ALERT_STREAMS_TASKS in LAKE.SHOP_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'shop', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SHOP_ALERTS'));
END;
$$;

ALTER ALERT "LAKE"."SHOP_RAW"."SNOWSTAGE_ALERT_STREAMS_TASKS" RESUME;
