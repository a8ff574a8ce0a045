-- snowstage pipeline shop: MERGE task of table orders
-- Generated from pipeline.yaml, tables/orders.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- MERGE task: folds new landing rows into the target table.
-- * Versions of a key are ordered by (version cursor, file, row). For a DATE, DATETIME or TIMESTAMP cursor the
--   version cursor is the cursor, but no later than the start of the run that read the version
--   (_SNOWSTAGE_READ_AT, from the run id that starts the file name, in the cursor's type and clock): a cursor
--   later than that lay in the future when read, and the row's next update, stamped with the real time, must
--   still win. Cursors the window reads are never later than it. A numeric cursor has no clock: it is its own.
-- * The source keeps one row per key, the newest version, because Snowpipe may deliver a file twice, load files
--   out of order, and a key may repeat within a batch (a MERGE with two source rows for one target row fails).
-- * A row is applied only when its version is newer than the target's, in the same order, so replays change
--   nothing. A NULL cursor is the oldest version, in the QUALIFY and in the comparison alike.
-- * Deleted rows (hard deletes the extractor marks with _SNOWSTAGE_OP = 'D') are kept as tombstones: the row is written with
--   _SNOWSTAGE_DELETED = TRUE and its version, so an older version loaded later (out of order, a pipe REFRESH, a
--   reload) is not newer and cannot bring the key back. A delete of an unknown key inserts its tombstone; a newer
--   version that is not deleted clears the flag (un-delete). Only an explicit purge removes tombstones.
-- A standalone task must be suspended before it is changed; CREATE OR ALTER keeps its run history.
-- Failures: a failed run is retried 2 times; Snowflake suspends the task after 10 failed runs in a row; no error notifications (snowflake.error_integration is not set).
-- Syntax, clauses in the documented order (properties, then WHEN, then AS):
--   ALTER TASK ... SUSPEND / RESUME: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   CREATE OR ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/create-task
--   MERGE: https://docs.snowflake.com/en/sql-reference/sql/merge

ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."ORDERS_MERGE" SUSPEND;

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."ORDERS_MERGE"
  WAREHOUSE = "LOAD_WH"
  SCHEDULE = '5 MINUTES'
  SUSPEND_TASK_AFTER_NUM_FAILURES = 10
  COMMENT = 'snowstage: merges ORDERS_STREAM into ORDERS'
  TASK_AUTO_RETRY_ATTEMPTS = 2
  WHEN SYSTEM$STREAM_HAS_DATA('"LAKE"."SHOP_RAW"."ORDERS_STREAM"')
  AS
MERGE INTO "LAKE"."SHOP"."ORDERS" AS t
USING (
  SELECT *
  FROM (
    SELECT
      TO_NUMBER(r."ID", 20, 0) AS "ID",
      r."STATUS" AS "STATUS",
      TO_TIMESTAMP_NTZ(r."UPDATED_AT", 'YYYY-MM-DD HH24:MI:SS.FF6') AS "UPDATED_AT",
      r."_SNOWSTAGE_OP" AS "_SNOWSTAGE_OP",
      r."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
      r."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW",
      (TRY_TO_TIMESTAMP_NTZ(LEFT(SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1), 15), 'YYYYMMDD"T"HH24MISS') + INTERVAL '14 hours') AS "_SNOWSTAGE_READ_AT"
    FROM "LAKE"."SHOP_RAW"."ORDERS_STREAM" AS r
  ) AS c
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY c."ID"
    ORDER BY CASE WHEN c."UPDATED_AT" > c."_SNOWSTAGE_READ_AT" THEN c."_SNOWSTAGE_READ_AT" ELSE c."UPDATED_AT" END DESC NULLS LAST, c."_SNOWSTAGE_FILE" DESC, c."_SNOWSTAGE_FILE_ROW" DESC
  ) = 1
) AS s
ON t."ID" = s."ID"
WHEN MATCHED AND (
    CASE WHEN s."UPDATED_AT" > s."_SNOWSTAGE_READ_AT" THEN s."_SNOWSTAGE_READ_AT" ELSE s."UPDATED_AT" END > CASE WHEN t."UPDATED_AT" > (TRY_TO_TIMESTAMP_NTZ(LEFT(SPLIT_PART(t."_SNOWSTAGE_FILE", '/', -1), 15), 'YYYYMMDD"T"HH24MISS') + INTERVAL '14 hours') THEN (TRY_TO_TIMESTAMP_NTZ(LEFT(SPLIT_PART(t."_SNOWSTAGE_FILE", '/', -1), 15), 'YYYYMMDD"T"HH24MISS') + INTERVAL '14 hours') ELSE t."UPDATED_AT" END
    OR (s."UPDATED_AT" IS NOT NULL AND t."UPDATED_AT" IS NULL)
    OR (CASE WHEN s."UPDATED_AT" > s."_SNOWSTAGE_READ_AT" THEN s."_SNOWSTAGE_READ_AT" ELSE s."UPDATED_AT" END IS NOT DISTINCT FROM CASE WHEN t."UPDATED_AT" > (TRY_TO_TIMESTAMP_NTZ(LEFT(SPLIT_PART(t."_SNOWSTAGE_FILE", '/', -1), 15), 'YYYYMMDD"T"HH24MISS') + INTERVAL '14 hours') THEN (TRY_TO_TIMESTAMP_NTZ(LEFT(SPLIT_PART(t."_SNOWSTAGE_FILE", '/', -1), 15), 'YYYYMMDD"T"HH24MISS') + INTERVAL '14 hours') ELSE t."UPDATED_AT" END AND (s."_SNOWSTAGE_FILE" > t."_SNOWSTAGE_FILE" OR (s."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND s."_SNOWSTAGE_FILE_ROW" > t."_SNOWSTAGE_FILE_ROW") OR t."_SNOWSTAGE_FILE" IS NULL))
  ) THEN UPDATE SET
  "STATUS" = s."STATUS",
  "UPDATED_AT" = s."UPDATED_AT",
  "_SNOWSTAGE_FILE" = s."_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW" = s."_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT" = CURRENT_TIMESTAMP,
  "_SNOWSTAGE_DELETED" = (COALESCE(s."_SNOWSTAGE_OP" = 'D', FALSE))
WHEN NOT MATCHED THEN INSERT (
  "ID",
  "STATUS",
  "UPDATED_AT",
  "_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT",
  "_SNOWSTAGE_DELETED"
) VALUES (
  s."ID",
  s."STATUS",
  s."UPDATED_AT",
  s."_SNOWSTAGE_FILE",
  s."_SNOWSTAGE_FILE_ROW",
  CURRENT_TIMESTAMP,
  (COALESCE(s."_SNOWSTAGE_OP" = 'D', FALSE))
);

ALTER TASK "LAKE"."SHOP_RAW"."ORDERS_MERGE" RESUME;
