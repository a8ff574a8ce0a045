-- snowstage pipeline lake2: monitoring views
-- Generated from pipeline.yaml, tables/every_type.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Monitoring views over every table of the pipeline. Views hold no data, so they are simply replaced.

CREATE OR REPLACE VIEW "Lake"."Raw Zone"."SNOWSTAGE_PIPE_STATUS" COPY GRANTS
  COMMENT = 'snowstage: SYSTEM$PIPE_STATUS of each pipe (executionState, pendingFileCount, lastIngestedTimestamp, error)'
  AS
SELECT 'every_type' AS TABLE_NAME, '"Lake"."Raw Zone"."EveryType_PIPE"' AS PIPE_NAME, PARSE_JSON(SYSTEM$PIPE_STATUS('"Lake"."Raw Zone"."EveryType_PIPE"')) AS STATUS
UNION ALL
SELECT 'hostile' AS TABLE_NAME, '"Lake"."Raw Zone"."We''ird""; DROP TABLE y; --_PIPE"' AS PIPE_NAME, PARSE_JSON(SYSTEM$PIPE_STATUS('"Lake"."Raw Zone"."We''ird""; DROP TABLE y; --_PIPE"')) AS STATUS
;

CREATE OR REPLACE VIEW "Lake"."Raw Zone"."SNOWSTAGE_COPY_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: files loaded, failed or skipped by each pipe in the last 14 days (COPY_HISTORY)'
  AS
SELECT 'every_type' AS TABLE_NAME, h.*
FROM TABLE("Lake".INFORMATION_SCHEMA.COPY_HISTORY(
  TABLE_NAME => '"Lake"."Raw Zone"."EveryType"',
  START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP)
)) AS h
UNION ALL
SELECT 'hostile' AS TABLE_NAME, h.*
FROM TABLE("Lake".INFORMATION_SCHEMA.COPY_HISTORY(
  TABLE_NAME => '"Lake"."Raw Zone"."We''ird""; DROP TABLE y; --"',
  START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP)
)) AS h
;

CREATE OR REPLACE VIEW "Lake"."Raw Zone"."SNOWSTAGE_TASK_HISTORY" COPY GRANTS
  COMMENT = 'snowstage: runs of each MERGE task in the last 7 days (TASK_HISTORY)'
  AS
SELECT 'every_type' AS TABLE_NAME, h.*
FROM TABLE("Lake".INFORMATION_SCHEMA.TASK_HISTORY(
  TASK_NAME => 'EveryType_MERGE',
  SCHEDULED_TIME_RANGE_START => DATEADD(DAY, -7, CURRENT_TIMESTAMP),
  RESULT_LIMIT => 1000
)) AS h
WHERE h.DATABASE_NAME = 'Lake' AND h.SCHEMA_NAME = 'Raw Zone'
UNION ALL
SELECT 'hostile' AS TABLE_NAME, h.*
FROM TABLE("Lake".INFORMATION_SCHEMA.TASK_HISTORY(
  TASK_NAME => 'We''ird"; DROP TABLE y; --_MERGE',
  SCHEDULED_TIME_RANGE_START => DATEADD(DAY, -7, CURRENT_TIMESTAMP),
  RESULT_LIMIT => 1000
)) AS h
WHERE h.DATABASE_NAME = 'Lake' AND h.SCHEMA_NAME = 'Raw Zone'
;
