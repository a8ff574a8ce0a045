-- snowstage pipeline shop: monitoring views
-- Generated from pipeline.yaml, tables/currencies.yaml, tables/shipping_zones.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Monitoring views over every table of the pipeline. Views hold no data, so they are simply replaced.
-- Every column is named: a view over `h.*` would repeat the functions' own TABLE_NAME (Snowflake refuses a view
-- with two columns of one name) and would break when Snowflake adds output columns. The pipeline's table is
-- SNOWSTAGE_TABLE, a name no system function returns.
-- Syntax, clauses in the documented order:
--   CREATE VIEW: https://docs.snowflake.com/en/sql-reference/sql/create-view
--   COPY_HISTORY: https://docs.snowflake.com/en/sql-reference/functions/copy_history
--   TASK_HISTORY: https://docs.snowflake.com/en/sql-reference/functions/task_history
--   SYSTEM$PIPE_STATUS: https://docs.snowflake.com/en/sql-reference/functions/system_pipe_status

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_PIPE_STATUS" COPY GRANTS
  COMMENT = 'snowstage: SYSTEM$PIPE_STATUS of each pipe (executionState, pendingFileCount, lastIngestedTimestamp, error)'
  AS
SELECT 'currencies' AS SNOWSTAGE_TABLE, '"LAKE"."SHOP_RAW"."CURRENCIES_PIPE"' AS PIPE_NAME, PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CURRENCIES_PIPE"')) AS STATUS
UNION ALL
SELECT 'shipping_zones' AS SNOWSTAGE_TABLE, '"LAKE"."SHOP_RAW"."SHIPPING_ZONES_PIPE"' AS PIPE_NAME, PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."SHIPPING_ZONES_PIPE"')) AS STATUS
;

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_COPY_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: files loaded, failed or skipped by each pipe in the last 14 days (COPY_HISTORY)'
  AS
SELECT
  'currencies' AS SNOWSTAGE_TABLE,
  h.FILE_NAME,
  h.STAGE_LOCATION,
  h.LAST_LOAD_TIME,
  h.ROW_COUNT,
  h.ROW_PARSED,
  h.FILE_SIZE,
  h.FIRST_ERROR_MESSAGE,
  h.FIRST_ERROR_LINE_NUMBER,
  h.FIRST_ERROR_CHARACTER_POS,
  h.FIRST_ERROR_COLUMN_NAME,
  h.ERROR_COUNT,
  h.ERROR_LIMIT,
  h.STATUS,
  h.TABLE_CATALOG_NAME,
  h.TABLE_SCHEMA_NAME,
  h.TABLE_NAME,
  h.PIPE_CATALOG_NAME,
  h.PIPE_SCHEMA_NAME,
  h.PIPE_NAME,
  h.PIPE_RECEIVED_TIME
FROM TABLE("LAKE".INFORMATION_SCHEMA.COPY_HISTORY(
  TABLE_NAME => '"LAKE"."SHOP_RAW"."CURRENCIES"',
  START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP)
)) AS h
UNION ALL
SELECT
  'shipping_zones' AS SNOWSTAGE_TABLE,
  h.FILE_NAME,
  h.STAGE_LOCATION,
  h.LAST_LOAD_TIME,
  h.ROW_COUNT,
  h.ROW_PARSED,
  h.FILE_SIZE,
  h.FIRST_ERROR_MESSAGE,
  h.FIRST_ERROR_LINE_NUMBER,
  h.FIRST_ERROR_CHARACTER_POS,
  h.FIRST_ERROR_COLUMN_NAME,
  h.ERROR_COUNT,
  h.ERROR_LIMIT,
  h.STATUS,
  h.TABLE_CATALOG_NAME,
  h.TABLE_SCHEMA_NAME,
  h.TABLE_NAME,
  h.PIPE_CATALOG_NAME,
  h.PIPE_SCHEMA_NAME,
  h.PIPE_NAME,
  h.PIPE_RECEIVED_TIME
FROM TABLE("LAKE".INFORMATION_SCHEMA.COPY_HISTORY(
  TABLE_NAME => '"LAKE"."SHOP_RAW"."SHIPPING_ZONES"',
  START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP)
)) AS h
;

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_TASK_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: runs of each MERGE task in the last 7 days (TASK_HISTORY)'
  AS
SELECT
  'currencies' AS SNOWSTAGE_TABLE,
  h.QUERY_ID,
  h.NAME,
  h.DATABASE_NAME,
  h.SCHEMA_NAME,
  h.STATE,
  h.ERROR_CODE,
  h.ERROR_MESSAGE,
  h.SCHEDULED_TIME,
  h.QUERY_START_TIME,
  h.NEXT_SCHEDULED_TIME,
  h.COMPLETED_TIME,
  h.SCHEDULED_FROM,
  h.ATTEMPT_NUMBER
FROM TABLE("LAKE".INFORMATION_SCHEMA.TASK_HISTORY(
  SCHEDULED_TIME_RANGE_START => DATEADD(DAY, -7, CURRENT_TIMESTAMP),
  RESULT_LIMIT => 1000,
  TASK_NAME => 'CURRENCIES_MERGE'
)) AS h
WHERE h.DATABASE_NAME = 'LAKE' AND h.SCHEMA_NAME = 'SHOP_RAW'
UNION ALL
SELECT
  'shipping_zones' AS SNOWSTAGE_TABLE,
  h.QUERY_ID,
  h.NAME,
  h.DATABASE_NAME,
  h.SCHEMA_NAME,
  h.STATE,
  h.ERROR_CODE,
  h.ERROR_MESSAGE,
  h.SCHEDULED_TIME,
  h.QUERY_START_TIME,
  h.NEXT_SCHEDULED_TIME,
  h.COMPLETED_TIME,
  h.SCHEDULED_FROM,
  h.ATTEMPT_NUMBER
FROM TABLE("LAKE".INFORMATION_SCHEMA.TASK_HISTORY(
  SCHEDULED_TIME_RANGE_START => DATEADD(DAY, -7, CURRENT_TIMESTAMP),
  RESULT_LIMIT => 1000,
  TASK_NAME => 'SHIPPING_ZONES_MERGE'
)) AS h
WHERE h.DATABASE_NAME = 'LAKE' AND h.SCHEMA_NAME = 'SHOP_RAW'
;
