-- snowstage pipeline lake2: migration 002
-- Generated from pipeline.yaml and the table files named below. Do not edit: change the metadata and run `snowstage generate`.
-- MIGRATION 002: recreate pipe We'ird"; DROP TABLE y; --_PIPE (table hostile).
-- Why: the COPY statement of hostile changed
-- A pipe's COPY statement cannot be altered, so the pipe is recreated with the procedure of "Recreating pipes"
-- (https://docs.snowflake.com/en/user-guide/data-load-snowpipe-manage). Syntax, clauses in the documented order:
--   SET: https://docs.snowflake.com/en/sql-reference/sql/set
--   ALTER PIPE (pause, refresh): https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   SYSTEM$PIPE_STATUS: https://docs.snowflake.com/en/sql-reference/functions/system_pipe_status
--   EXECUTE IMMEDIATE: https://docs.snowflake.com/en/sql-reference/sql/execute-immediate
--   Snowflake Scripting RAISE: https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions
--   ALTER STAGE: https://docs.snowflake.com/en/sql-reference/sql/alter-stage
--   CREATE [ OR REPLACE ] PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
-- Run it once, deliberately: `snowstage apply --migration 002_recreate_pipe_hostile`. Never part of a normal apply.
--
-- What is safe, and what is not:
-- * Stop every extractor writing to these tables and let its uploads finish before running this. S3 dates a
--   multipart upload by when it started: a file begun before the pause and completed after it is neither loaded
--   by the paused old pipe nor re-queued by the REFRESH below (it is dated before the pause). It would be lost.
-- * Step 2 stops the migration (an error; nothing is recreated) unless each pipe is PAUSED with pendingFileCount
--   0, that is, every file notified before the pause was loaded by the old pipe. If it stops: resume the pipe,
--   wait until SYSTEM$PIPE_STATUS shows pendingFileCount 0 with no extractor running, and run this again.
-- * Step 5 re-queues only the files modified since the pause: REFRESH MODIFIED_AFTER = the time step 1 recorded
--   (in a session variable: run the whole file in one session, as `snowstage apply` does). The time is cut to
--   whole seconds, so a file the old pipe loaded in the second before the pause may load again: its rows land
--   twice in the landing table and the MERGE ignores a version (cursor, file, row) it already has. REFRESH sees
--   only the last 7 days: do not leave a pipe paused longer than that.
-- * If it stops after step 3 (a pipe was recreated), do not rerun it from the top: step 1 would record a later
--   time and files in between would never load. Run the remaining steps by hand, with REFRESH MODIFIED_AFTER =
--   the start time of the step 1 SET statement (its query id is in apply's log; QUERY_HISTORY has the time).

-- 1. Record the pause time of pipe We'ird"; DROP TABLE y; --_PIPE (table hostile) (as the REFRESH statement of step 5), then pause it;
--    notifications keep queuing while it is paused.
SET SNOWSTAGE_REFRESH_1 = (SELECT 'ALTER PIPE "Lake"."Raw $$ Zone"."We''ird""; DROP TABLE y; --_PIPE" REFRESH MODIFIED_AFTER = ''' || TO_VARCHAR(CURRENT_TIMESTAMP(), 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') || '''');

ALTER PIPE IF EXISTS "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;

-- 2. Stop here (the block raises) unless pipe We'ird"; DROP TABLE y; --_PIPE (table hostile) is PAUSED with pendingFileCount 0.
EXECUTE IMMEDIATE '\nDECLARE\n  pipe_state VARCHAR;\n  pending_files NUMBER;\n  pipe_not_ready EXCEPTION (-20101, ''snowstage: pipe "Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was recreated. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.'');\nBEGIN\n  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER\n    INTO :pipe_state, :pending_files\n    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS(''"Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE"'')) AS s);\n  IF (pipe_state IS DISTINCT FROM ''PAUSED'' OR pending_files IS DISTINCT FROM 0) THEN\n    RAISE pipe_not_ready;\n  END IF;\n  RETURN ''pipe "Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE" is PAUSED'';\nEND;\n';

-- 3. Recreate pipe We'ird"; DROP TABLE y; --_PIPE (table hostile) with its new COPY statement.
CREATE OR REPLACE PIPE "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads s3://bucket.with.dots/data/hostile_v2/ into We''ird"; DROP TABLE y; --'
  AS
COPY INTO "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --"
  FROM @"Lake"."Raw $$ Zone"."LAKE2_STAGE"/hostile_v2/
  FILE_FORMAT = (FORMAT_NAME = '"Lake"."Raw $$ Zone"."LAKE2_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_FILE_ROW" = METADATA$FILE_ROW_NUMBER,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

-- 4. Pause it again: a new pipe starts running.
ALTER PIPE "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;

-- 5. Re-queue only the files modified since step 1: ALTER PIPE ... REFRESH MODIFIED_AFTER = <pause time>.
EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH_1;

-- 6. Re-check the bucket's S3 event notifications: `snowstage apply` reads each pipe's notification_channel again.
-- 7. Resume pipe We'ird"; DROP TABLE y; --_PIPE (table hostile); stop (the block raises) unless it reports RUNNING.
ALTER PIPE "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --_PIPE" SET PIPE_EXECUTION_PAUSED = FALSE;

EXECUTE IMMEDIATE '\nDECLARE\n  pipe_state VARCHAR;\n  pending_files NUMBER;\n  pipe_not_ready EXCEPTION (-20101, ''snowstage: pipe "Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE" does not report RUNNING after it was resumed; read SYSTEM$PIPE_STATUS for its error.'');\nBEGIN\n  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER\n    INTO :pipe_state, :pending_files\n    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS(''"Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE"'')) AS s);\n  IF (pipe_state IS DISTINCT FROM ''RUNNING'') THEN\n    RAISE pipe_not_ready;\n  END IF;\n  RETURN ''pipe "Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --_PIPE" is RUNNING'';\nEND;\n';
