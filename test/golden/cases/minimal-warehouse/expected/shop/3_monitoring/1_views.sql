-- snowstage pipeline shop: monitoring views
-- Generated from pipeline.yaml, tables/orders.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Monitoring views over every table of the pipeline. Views hold no data, so they are simply replaced.

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_PIPE_STATUS" COPY GRANTS
  COMMENT = 'snowstage: SYSTEM$PIPE_STATUS of each pipe (executionState, pendingFileCount, lastIngestedTimestamp, error)'
  AS
SELECT 'orders' AS TABLE_NAME, '"LAKE"."SHOP_RAW"."ORDERS_PIPE"' AS PIPE_NAME, PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."ORDERS_PIPE"')) AS STATUS
;

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_COPY_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: files loaded, failed or skipped by each pipe in the last 14 days (COPY_HISTORY)'
  AS
SELECT 'orders' AS TABLE_NAME, h.*
FROM TABLE("LAKE".INFORMATION_SCHEMA.COPY_HISTORY(
  TABLE_NAME => '"LAKE"."SHOP_RAW"."ORDERS"',
  START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP)
)) AS h
;

CREATE OR REPLACE VIEW "LAKE"."SHOP_RAW"."SNOWSTAGE_TASK_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: runs of each MERGE task in the last 7 days (TASK_HISTORY)'
  AS
SELECT 'orders' AS TABLE_NAME, h.*
FROM TABLE("LAKE".INFORMATION_SCHEMA.TASK_HISTORY(
  TASK_NAME => 'ORDERS_MERGE',
  SCHEDULED_TIME_RANGE_START => DATEADD(DAY, -7, CURRENT_TIMESTAMP),
  RESULT_LIMIT => 1000
)) AS h
WHERE h.DATABASE_NAME = 'LAKE' AND h.SCHEMA_NAME = 'SHOP_RAW'
;
