-- snowstage pipeline lake2: pipe of table hostile
-- Generated from pipeline.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Snowpipe with S3 event notifications (AUTO_INGEST). Columns are matched by the CSV header, so a column added
-- to the metadata needs only ALTER TABLE ... ADD COLUMN, never a new pipe. Never replaced: a replaced pipe loses
-- its load history and can load files twice; a COPY change is a migration (see README).
-- After creating it, point the bucket's s3:ObjectCreated:* notifications for prefix data/hostile/
-- at the pipe's notification_channel (`snowstage apply` does this).
-- Syntax, clauses in the documented order:
--   CREATE PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
--   COPY INTO <table>: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
--   ALTER PIPE: https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   GRANT <privileges>: https://docs.snowflake.com/en/sql-reference/sql/grant-privilege

CREATE PIPE IF NOT EXISTS "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --_PIPE"
  AUTO_INGEST = TRUE
  ERROR_INTEGRATION = "Lake Errors"
  COMMENT = 'snowstage: loads s3://bucket.with.dots/data/hostile/ into We''ird"; DROP TABLE y; --'
  AS
COPY INTO "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --"
  FROM @"Lake"."Raw Zone"."LAKE2_STAGE"/hostile/
  FILE_FORMAT = (FORMAT_NAME = '"Lake"."Raw Zone"."LAKE2_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_FILE_ROW" = METADATA$FILE_ROW_NUMBER,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

-- Load errors (files skipped under ON_ERROR = SKIP_FILE) are sent to "Lake Errors"; set again for a pipe
-- created before the integration was named. Removing it from the metadata does not unset it: run
-- ALTER PIPE ... UNSET ERROR_INTEGRATION by hand.
ALTER PIPE "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --_PIPE" SET ERROR_INTEGRATION = "Lake Errors";
