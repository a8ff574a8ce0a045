-- snowstage pipeline lake2: alerts
-- Generated from pipeline.yaml, tables/every_type.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Alerts: Snowflake checks the pipeline on a schedule ('30 MINUTE') and sends one message per alert and check
-- to the notification integration Lake "Alerts" $$ when something needs attention. The same
-- conditions are problems in `snowstage status`. One alert per kind of problem, each over every table of the
-- pipeline (UNION ALL), so a message lists all tables with that problem and one failing check (a missing privilege)
-- does not silence the others. Each condition returns one row per problem: SNOWSTAGE_TABLE and PROBLEM; the action
-- reads them back with RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID()).
-- Events (failed loads, failed MERGE runs) are read from the last successful check on
-- (SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), at most 24 hours back), so each is sent once.
-- States (rows waiting, a stream near staleness, a suspended task) are sent on every check until fixed.
-- Serverless alerts: no warehouse in the metadata.
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
CREATE OR ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_LOAD_ERRORS"
  SCHEDULE = '30 MINUTE'
  COMMENT = 'snowstage lake2: files failed to load; sends to notification integration Lake "Alerts" $$'
  IF( EXISTS(
    SELECT 'every_type' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("Lake".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"Lake"."Raw Zone"."EveryType"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
    UNION ALL
    SELECT 'hostile' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("Lake".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"Lake"."Raw Zone"."We''ird""; DROP TABLE y; --"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
  ))
  THEN
    EXECUTE IMMEDIATE '\nBEGIN\n  LET body VARCHAR := (\n    SELECT ''snowstage pipeline lake2: files failed to load (SNOWSTAGE_ALERT_LOAD_ERRORS in Lake.Raw Zone)'' || ''\\n'' ||\n      LISTAGG(SNOWSTAGE_TABLE || '': '' || PROBLEM, ''\\n'') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||\n      ''\\n\\n'' || ''Run `snowstage status` for the details; README, "Failures", says what to do.''\n    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));\n  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(\n    ARRAY_CONSTRUCT(\n      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),\n      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT(''pipeline'', ''lake2'', ''text'', :body)))),\n    SNOWFLAKE.NOTIFICATION.INTEGRATION(''Lake "Alerts" $$''));\nEND;\n';

ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_LOAD_ERRORS" RESUME;

-- 2. MERGE task runs that failed (FAILED, FAILED_AND_AUTO_SUSPENDED) and completed since the last check. The range
-- of scheduled times starts an hour earlier, for a run scheduled before the last check that failed after it.
CREATE OR ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_MERGE_FAILURES"
  SCHEDULE = '30 MINUTE'
  COMMENT = 'snowstage lake2: MERGE task runs failed; sends to notification integration Lake "Alerts" $$'
  IF( EXISTS(
    SELECT 'every_type' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("Lake".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'EveryType_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'Lake' AND h.SCHEMA_NAME = 'Raw Zone'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
    UNION ALL
    SELECT 'hostile' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("Lake".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'We''ird"; DROP TABLE y; --_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'Lake' AND h.SCHEMA_NAME = 'Raw Zone'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
  ))
  THEN
    EXECUTE IMMEDIATE '\nBEGIN\n  LET body VARCHAR := (\n    SELECT ''snowstage pipeline lake2: MERGE task runs failed (SNOWSTAGE_ALERT_MERGE_FAILURES in Lake.Raw Zone)'' || ''\\n'' ||\n      LISTAGG(SNOWSTAGE_TABLE || '': '' || PROBLEM, ''\\n'') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||\n      ''\\n\\n'' || ''Run `snowstage status` for the details; README, "Failures", says what to do.''\n    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));\n  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(\n    ARRAY_CONSTRUCT(\n      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),\n      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT(''pipeline'', ''lake2'', ''text'', :body)))),\n    SNOWFLAKE.NOTIFICATION.INTEGRATION(''Lake "Alerts" $$''));\nEND;\n';

ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_MERGE_FAILURES" RESUME;

-- 3. Loaded rows that wait in the stream for the MERGE longer than the table's max_merge_lag_minutes: the task
-- is failing, suspended or too slow. A quiet table (empty stream) is never reported, however old its last merge.
-- Selecting from a stream does not consume it (only DML does). Snapshot tables (mode: snapshot) have no stream and
-- are not checked here.
CREATE OR ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_MERGE_LAG"
  SCHEDULE = '30 MINUTE'
  COMMENT = 'snowstage lake2: loaded rows wait too long for the MERGE; sends to notification integration Lake "Alerts" $$'
  IF( EXISTS(
    SELECT 'every_type' AS SNOWSTAGE_TABLE,
      TO_VARCHAR(w.WAITING) || ' loaded rows wait for the MERGE, for more than 1440 minutes, since ' || TO_VARCHAR(w.OLDEST) || '; last merge: ' ||
        COALESCE(TO_VARCHAR(m.LAST_MERGE), 'never') AS PROBLEM
    FROM (SELECT COUNT(*) AS WAITING, MIN("_SNOWSTAGE_LOADED_AT") AS OLDEST FROM "Lake"."Raw Zone"."EveryType_STREAM") w,
      (SELECT MAX("_SNOWSTAGE_MERGED_AT") AS LAST_MERGE FROM "Lake"."CURATED"."EveryType") m
    WHERE w.OLDEST < DATEADD(MINUTE, -1440, SNOWFLAKE.ALERT.SCHEDULED_TIME())
    UNION ALL
    SELECT 'hostile' AS SNOWSTAGE_TABLE,
      TO_VARCHAR(w.WAITING) || ' loaded rows wait for the MERGE, for more than 240 minutes, since ' || TO_VARCHAR(w.OLDEST) || '; last merge: ' ||
        COALESCE(TO_VARCHAR(m.LAST_MERGE), 'never') AS PROBLEM
    FROM (SELECT COUNT(*) AS WAITING, MIN("_SNOWSTAGE_LOADED_AT") AS OLDEST FROM "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --_STREAM") w,
      (SELECT MAX("_SNOWSTAGE_MERGED_AT") AS LAST_MERGE FROM "Lake"."CURATED"."We'ird""; DROP TABLE y; --") m
    WHERE w.OLDEST < DATEADD(MINUTE, -240, SNOWFLAKE.ALERT.SCHEDULED_TIME())
  ))
  THEN
    EXECUTE IMMEDIATE '\nBEGIN\n  LET body VARCHAR := (\n    SELECT ''snowstage pipeline lake2: loaded rows wait too long for the MERGE (SNOWSTAGE_ALERT_MERGE_LAG in Lake.Raw Zone)'' || ''\\n'' ||\n      LISTAGG(SNOWSTAGE_TABLE || '': '' || PROBLEM, ''\\n'') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||\n      ''\\n\\n'' || ''Run `snowstage status` for the details; README, "Failures", says what to do.''\n    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));\n  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(\n    ARRAY_CONSTRUCT(\n      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),\n      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT(''pipeline'', ''lake2'', ''text'', :body)))),\n    SNOWFLAKE.NOTIFICATION.INTEGRATION(''Lake "Alerts" $$''));\nEND;\n';

ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_MERGE_LAG" RESUME;

-- 4. Streams whose stale_after is less than 48 hours away (or already stale), and MERGE tasks that are
-- suspended (by hand, or by Snowflake after SUSPEND_TASK_AFTER_NUM_FAILURES). SHOW is one of the condition
-- statements the CREATE ALERT page lists; its rows are filtered with the pipe operator ($2: SHOW STREAMS,
-- $1: SHOW TASKS). Whether Snowflake accepts a ->> chain as an alert condition is not stated on the CREATE ALERT
-- page and was not verified (README, "Alerts"); ALERT_HISTORY shows it if not.
CREATE OR ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_STREAMS_TASKS"
  SCHEDULE = '30 MINUTE'
  COMMENT = 'snowstage lake2: streams near staleness or MERGE tasks suspended; sends to notification integration Lake "Alerts" $$'
  IF( EXISTS(
    SHOW STREAMS IN SCHEMA "Lake"."Raw Zone"
    ->> SHOW TASKS IN SCHEMA "Lake"."Raw Zone"
    ->> SELECT t.SNOWSTAGE_TABLE,
          'stream ' || s."name" || CASE WHEN TO_VARCHAR(s."stale") = 'true'
            THEN ' is stale: its unmerged rows are lost; recreate it and backfill the table'
            ELSE ' goes stale after ' || TO_VARCHAR(s."stale_after") || ' unless the MERGE task consumes it' END AS PROBLEM
        FROM $2 s
        JOIN (VALUES
            ('every_type', 'EveryType_STREAM')
          , ('hostile', 'We''ird"; DROP TABLE y; --_STREAM')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON s."name" = t.OBJECT_NAME
        WHERE TO_VARCHAR(s."stale") = 'true' OR s."stale_after" < DATEADD(HOUR, 48, SNOWFLAKE.ALERT.SCHEDULED_TIME())
        UNION ALL
        SELECT t.SNOWSTAGE_TABLE,
          'MERGE task ' || k."name" || ' is suspended: nothing is merged until ALTER TASK ... RESUME' AS PROBLEM
        FROM $1 k
        JOIN (VALUES
            ('every_type', 'EveryType_MERGE')
          , ('hostile', 'We''ird"; DROP TABLE y; --_MERGE')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON k."name" = t.OBJECT_NAME
        WHERE k."state" = 'suspended'
  ))
  THEN
    EXECUTE IMMEDIATE '\nBEGIN\n  LET body VARCHAR := (\n    SELECT ''snowstage pipeline lake2: streams near staleness or MERGE tasks suspended (SNOWSTAGE_ALERT_STREAMS_TASKS in Lake.Raw Zone)'' || ''\\n'' ||\n      LISTAGG(SNOWSTAGE_TABLE || '': '' || PROBLEM, ''\\n'') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||\n      ''\\n\\n'' || ''Run `snowstage status` for the details; README, "Failures", says what to do.''\n    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));\n  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(\n    ARRAY_CONSTRUCT(\n      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),\n      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT(''pipeline'', ''lake2'', ''text'', :body)))),\n    SNOWFLAKE.NOTIFICATION.INTEGRATION(''Lake "Alerts" $$''));\nEND;\n';

ALTER ALERT "Lake"."Raw Zone"."SNOWSTAGE_ALERT_STREAMS_TASKS" RESUME;
