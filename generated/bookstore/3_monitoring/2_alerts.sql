-- snowstage pipeline bookstore: alerts
-- Generated from pipeline.yaml, tables/book_reviews.yaml, tables/books.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Alerts: Snowflake checks the pipeline on a schedule ('15 MINUTE') and sends one message per alert and check
-- to the notification integration SNOWSTAGE_ALERTS when something needs attention. The same
-- conditions are problems in `snowstage status`. One alert per kind of problem, each over every table of the
-- pipeline (UNION ALL), so a message lists all tables with that problem and one failing check (a missing privilege)
-- does not silence the others. Each condition returns one row per problem: SNOWSTAGE_TABLE and PROBLEM; the action
-- reads them back with RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID()).
-- Events (failed loads, failed MERGE runs) are read from the last successful check on
-- (SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), at most 24 hours back), so each is sent once.
-- States (rows waiting, a stream near staleness, a suspended task) are sent on every check until fixed.
-- The alerts run on warehouse "ETL_WH".
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
CREATE OR ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_LOAD_ERRORS"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "ETL_WH"
  COMMENT = 'snowstage bookstore: files failed to load; sends to notification integration SNOWSTAGE_ALERTS'
  IF( EXISTS(
    SELECT 'book_reviews' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
    UNION ALL
    SELECT 'books' AS SNOWSTAGE_TABLE,
      h.STATUS || ': ' || h.FILE_NAME || ': ' || COALESCE(h.FIRST_ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.COPY_HISTORY(
      TABLE_NAME => '"ANALYTICS"."BOOKSTORE_RAW"."BOOKS"',
      START_TIME => GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME())),
      END_TIME => SNOWFLAKE.ALERT.SCHEDULED_TIME())) h
    WHERE UPPER(h.STATUS) IN ('LOAD FAILED', 'PARTIALLY LOADED', 'LOAD SKIPPED')
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline bookstore: files failed to load (SNOWSTAGE_ALERT_LOAD_ERRORS in ANALYTICS.BOOKSTORE_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'bookstore', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SNOWSTAGE_ALERTS'));
END;
$$;

ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_LOAD_ERRORS" RESUME;

-- 2. MERGE task runs that failed (FAILED, FAILED_AND_AUTO_SUSPENDED) and completed since the last check. The range
-- of scheduled times starts an hour earlier, for a run scheduled before the last check that failed after it.
CREATE OR ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_MERGE_FAILURES"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "ETL_WH"
  COMMENT = 'snowstage bookstore: MERGE task runs failed; sends to notification integration SNOWSTAGE_ALERTS'
  IF( EXISTS(
    SELECT 'book_reviews' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'BOOK_REVIEWS_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'ANALYTICS' AND h.SCHEMA_NAME = 'BOOKSTORE_RAW'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
    UNION ALL
    SELECT 'books' AS SNOWSTAGE_TABLE,
      'MERGE task ' || h.NAME || ' ' || h.STATE || ' at ' || TO_VARCHAR(h.COMPLETED_TIME) || ': ' ||
        COALESCE(TO_VARCHAR(h.ERROR_CODE), '') || ' ' || COALESCE(h.ERROR_MESSAGE, '') AS PROBLEM
    FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.TASK_HISTORY(
      SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -1, GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))),
      SCHEDULED_TIME_RANGE_END => SNOWFLAKE.ALERT.SCHEDULED_TIME(),
      RESULT_LIMIT => 1000,
      TASK_NAME => 'BOOKS_MERGE',
      ERROR_ONLY => TRUE)) h
    WHERE h.DATABASE_NAME = 'ANALYTICS' AND h.SCHEMA_NAME = 'BOOKSTORE_RAW'
      AND h.STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
      AND h.COMPLETED_TIME > GREATEST(COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), TO_TIMESTAMP_LTZ(0)), DATEADD(HOUR, -24, SNOWFLAKE.ALERT.SCHEDULED_TIME()))
      AND h.COMPLETED_TIME <= SNOWFLAKE.ALERT.SCHEDULED_TIME()
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline bookstore: MERGE task runs failed (SNOWSTAGE_ALERT_MERGE_FAILURES in ANALYTICS.BOOKSTORE_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'bookstore', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SNOWSTAGE_ALERTS'));
END;
$$;

ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_MERGE_FAILURES" RESUME;

-- 3. Loaded rows that wait in the stream for the MERGE longer than the table's max_merge_lag_minutes: the task
-- is failing, suspended or too slow. A quiet table (empty stream) is never reported, however old its last merge.
-- Selecting from a stream does not consume it (only DML does). Snapshot tables (mode: snapshot) have no stream and
-- are not checked here.
CREATE OR ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_MERGE_LAG"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "ETL_WH"
  COMMENT = 'snowstage bookstore: loaded rows wait too long for the MERGE; sends to notification integration SNOWSTAGE_ALERTS'
  IF( EXISTS(
    SELECT 'book_reviews' AS SNOWSTAGE_TABLE,
      TO_VARCHAR(w.WAITING) || ' loaded rows wait for the MERGE, for more than 120 minutes, since ' || TO_VARCHAR(w.OLDEST) || '; last merge: ' ||
        COALESCE(TO_VARCHAR(m.LAST_MERGE), 'never') AS PROBLEM
    FROM (SELECT COUNT(*) AS WAITING, MIN("_SNOWSTAGE_LOADED_AT") AS OLDEST FROM "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_STREAM") w,
      (SELECT MAX("_SNOWSTAGE_MERGED_AT") AS LAST_MERGE FROM "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS") m
    WHERE w.OLDEST < DATEADD(MINUTE, -120, SNOWFLAKE.ALERT.SCHEDULED_TIME())
    UNION ALL
    SELECT 'books' AS SNOWSTAGE_TABLE,
      TO_VARCHAR(w.WAITING) || ' loaded rows wait for the MERGE, for more than 120 minutes, since ' || TO_VARCHAR(w.OLDEST) || '; last merge: ' ||
        COALESCE(TO_VARCHAR(m.LAST_MERGE), 'never') AS PROBLEM
    FROM (SELECT COUNT(*) AS WAITING, MIN("_SNOWSTAGE_LOADED_AT") AS OLDEST FROM "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_STREAM") w,
      (SELECT MAX("_SNOWSTAGE_MERGED_AT") AS LAST_MERGE FROM "ANALYTICS"."BOOKSTORE"."BOOKS") m
    WHERE w.OLDEST < DATEADD(MINUTE, -120, SNOWFLAKE.ALERT.SCHEDULED_TIME())
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline bookstore: loaded rows wait too long for the MERGE (SNOWSTAGE_ALERT_MERGE_LAG in ANALYTICS.BOOKSTORE_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'bookstore', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SNOWSTAGE_ALERTS'));
END;
$$;

ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_MERGE_LAG" RESUME;

-- 4. Streams whose stale_after is less than 48 hours away (or already stale), and MERGE tasks that are
-- suspended (by hand, or by Snowflake after SUSPEND_TASK_AFTER_NUM_FAILURES). SHOW is one of the condition
-- statements the CREATE ALERT page lists; its rows are filtered with the pipe operator ($2: SHOW STREAMS,
-- $1: SHOW TASKS). Whether Snowflake accepts a ->> chain as an alert condition is not stated on the CREATE ALERT
-- page and was not verified (README, "Alerts"); ALERT_HISTORY shows it if not.
CREATE OR ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_STREAMS_TASKS"
  SCHEDULE = '15 MINUTE'
  WAREHOUSE = "ETL_WH"
  COMMENT = 'snowstage bookstore: streams near staleness or MERGE tasks suspended; sends to notification integration SNOWSTAGE_ALERTS'
  IF( EXISTS(
    SHOW STREAMS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"
    ->> SHOW TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"
    ->> SELECT t.SNOWSTAGE_TABLE,
          'stream ' || s."name" || CASE WHEN TO_VARCHAR(s."stale") = 'true'
            THEN ' is stale: its unmerged rows are lost; recreate it and backfill the table'
            ELSE ' goes stale after ' || TO_VARCHAR(s."stale_after") || ' unless the MERGE task consumes it' END AS PROBLEM
        FROM $2 s
        JOIN (VALUES
            ('book_reviews', 'BOOK_REVIEWS_STREAM')
          , ('books', 'BOOKS_STREAM')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON s."name" = t.OBJECT_NAME
        WHERE TO_VARCHAR(s."stale") = 'true' OR s."stale_after" < DATEADD(HOUR, 48, SNOWFLAKE.ALERT.SCHEDULED_TIME())
        UNION ALL
        SELECT t.SNOWSTAGE_TABLE,
          'MERGE task ' || k."name" || ' is suspended: nothing is merged until ALTER TASK ... RESUME' AS PROBLEM
        FROM $1 k
        JOIN (VALUES
            ('book_reviews', 'BOOK_REVIEWS_MERGE')
          , ('books', 'BOOKS_MERGE')
        ) AS t (SNOWSTAGE_TABLE, OBJECT_NAME) ON k."name" = t.OBJECT_NAME
        WHERE k."state" = 'suspended'
  ))
  THEN
    EXECUTE IMMEDIATE $$
BEGIN
  LET body VARCHAR := (
    SELECT 'snowstage pipeline bookstore: streams near staleness or MERGE tasks suspended (SNOWSTAGE_ALERT_STREAMS_TASKS in ANALYTICS.BOOKSTORE_RAW)' || '\n' ||
      LISTAGG(SNOWSTAGE_TABLE || ': ' || PROBLEM, '\n') WITHIN GROUP (ORDER BY SNOWSTAGE_TABLE, PROBLEM) ||
      '\n\n' || 'Run `snowstage status` for the details; README, "Failures", says what to do.'
    FROM TABLE(RESULT_SCAN(SNOWFLAKE.ALERT.GET_CONDITION_QUERY_UUID())));
  CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
    ARRAY_CONSTRUCT(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body),
      SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(TO_JSON(OBJECT_CONSTRUCT('pipeline', 'bookstore', 'text', :body)))),
    SNOWFLAKE.NOTIFICATION.INTEGRATION('SNOWSTAGE_ALERTS'));
END;
$$;

ALTER ALERT "ANALYTICS"."BOOKSTORE_RAW"."SNOWSTAGE_ALERT_STREAMS_TASKS" RESUME;
