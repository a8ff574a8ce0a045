-- snowstage pipeline shop: snapshot apply of table currencies
-- Generated from pipeline.yaml, tables/currencies.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Snapshot apply (mode: snapshot): every extraction run copies the whole table as one snapshot, read in key order in chunks (code), under
--   s3://shop-lake/mysql/shop/data/currencies/<snapshot id>/
-- as data files the pipe "LAKE"."SHOP_RAW"."CURRENCIES_PIPE" loads into the landing table, then a completion marker complete.csv.gz
-- listing every data file of the snapshot, which the pipe below loads. The task makes the target equal to the
-- latest complete snapshot:
-- * A snapshot counts only when its marker and every data file the marker lists are loaded (files load in no
--   order): a snapshot interrupted by a crash, or not loaded yet, changes nothing. Only the files the marker
--   lists are read (a file uploaded by an attempt that crashed before recording it is not part of the snapshot).
-- * Keyed (code): one MERGE upserts the rows that differ from the target, un-deletes keys that re-appear and
--   marks live rows whose key is absent from the snapshot as tombstones (_SNOWSTAGE_DELETED = TRUE); the view of
--   live rows then equals the snapshot. Rows that did not change are not written.
-- * Applying the same snapshot again changes nothing; a snapshot older than the applied one is never applied. The
--   prune task then drops the landing rows of older snapshots (markers are one row per file and are kept).
-- Syntax, clauses in the documented order:
--   CREATE TABLE: https://docs.snowflake.com/en/sql-reference/sql/create-table
--   CREATE PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
--   COPY INTO <table>: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
--   ALTER TASK ... SUSPEND / RESUME: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   CREATE OR ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/create-task
--   MERGE: https://docs.snowflake.com/en/sql-reference/sql/merge
--   DELETE: https://docs.snowflake.com/en/sql-reference/sql/delete

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS" (
  "SNAPSHOT_ID" VARCHAR,
  "START_CURSOR" VARCHAR,
  "KEY_FILE" VARCHAR,
  "KEY_FILE_ROWS" VARCHAR,
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: completed snapshots of MySQL table currencies';

-- Never replaced (a replaced pipe loses its load history). It shares the folder, and so the bucket notification,
-- of the data pipe: both pipes get every event and their PATTERNs tell the files apart.
CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads snapshot completion markers under s3://shop-lake/mysql/shop/data/currencies/'
  AS
COPY INTO "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/currencies/
  PATTERN = '.*/complete[.]csv[.]gz'
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

-- A root task is suspended before it or its child change; the child is resumed before the root.
-- Failures: a failed run is retried 2 times; Snowflake suspends the task after 10 failed runs in a row; no error notifications (snowflake.error_integration is not set).
ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_MERGE" SUSPEND;

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."CURRENCIES_MERGE"
  WAREHOUSE = "LOAD_WH"
  SCHEDULE = '60 MINUTES'
  SUSPEND_TASK_AFTER_NUM_FAILURES = 10
  COMMENT = 'snowstage: makes CURRENCIES equal to the latest complete snapshot of currencies'
  TASK_AUTO_RETRY_ATTEMPTS = 2
  AS
MERGE INTO "LAKE"."SHOP"."CURRENCIES" AS t
USING (
  WITH complete AS (
    SELECT m."SNAPSHOT_ID"
    FROM "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS" AS m
    LEFT JOIN (
      SELECT DISTINCT
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
      FROM "LAKE"."SHOP_RAW"."CURRENCIES" AS r
    ) AS f
      ON f."SNAPSHOT_ID" = m."SNAPSHOT_ID" AND f."KEY_FILE" = m."KEY_FILE"
    GROUP BY m."SNAPSHOT_ID"
    HAVING COUNT(m."KEY_FILE") = COUNT(f."KEY_FILE")
  ),
  latest AS (
    SELECT MAX(c."SNAPSHOT_ID") AS "SNAPSHOT_ID" FROM complete AS c
  ),
  snapshot_rows AS (
    SELECT
      r."CODE" AS "CODE",
      r."NAME" AS "NAME",
      TO_NUMBER(r."RATE", 18, 6) AS "RATE",
      r."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
      r."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW"
    FROM "LAKE"."SHOP_RAW"."CURRENCIES" AS r
    JOIN latest AS l
      ON SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) = l."SNAPSHOT_ID"
    JOIN (SELECT DISTINCT "SNAPSHOT_ID", "KEY_FILE" FROM "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS") AS m
      ON m."SNAPSHOT_ID" = l."SNAPSHOT_ID" AND m."KEY_FILE" = SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1)
    QUALIFY ROW_NUMBER() OVER (
      PARTITION BY r."CODE"
      ORDER BY r."_SNOWSTAGE_FILE" DESC, r."_SNOWSTAGE_FILE_ROW" DESC
    ) = 1
  )
  SELECT sr.*, FALSE AS "_SNOWSTAGE_ABSENT"
  FROM snapshot_rows AS sr
  UNION ALL
  SELECT
    o."CODE" AS "CODE",
    NULL AS "NAME",
    NULL AS "RATE",
    o."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
    o."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW",
    TRUE AS "_SNOWSTAGE_ABSENT"
  FROM "LAKE"."SHOP"."CURRENCIES" AS o
  JOIN latest AS l
    ON l."SNAPSHOT_ID" IS NOT NULL
  WHERE COALESCE(o."_SNOWSTAGE_DELETED", FALSE) = FALSE
    AND NOT EXISTS (
      SELECT 1
      FROM snapshot_rows AS sr
      WHERE sr."CODE" = o."CODE"
    )
) AS s
ON t."CODE" = s."CODE"
WHEN MATCHED AND s."_SNOWSTAGE_ABSENT" AND COALESCE(t."_SNOWSTAGE_DELETED", FALSE) = FALSE THEN UPDATE SET
  "_SNOWSTAGE_DELETED" = TRUE,
  "_SNOWSTAGE_MERGED_AT" = CURRENT_TIMESTAMP
WHEN MATCHED AND NOT s."_SNOWSTAGE_ABSENT" AND (COALESCE(t."_SNOWSTAGE_DELETED", FALSE) = TRUE OR NOT (t."NAME" IS NOT DISTINCT FROM s."NAME" AND t."RATE" IS NOT DISTINCT FROM s."RATE")) THEN UPDATE SET
  "NAME" = s."NAME",
  "RATE" = s."RATE",
  "_SNOWSTAGE_FILE" = s."_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW" = s."_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT" = CURRENT_TIMESTAMP,
  "_SNOWSTAGE_DELETED" = FALSE
WHEN NOT MATCHED AND NOT s."_SNOWSTAGE_ABSENT" THEN INSERT (
  "CODE",
  "NAME",
  "RATE",
  "_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT",
  "_SNOWSTAGE_DELETED"
) VALUES (
  s."CODE",
  s."NAME",
  s."RATE",
  s."_SNOWSTAGE_FILE",
  s."_SNOWSTAGE_FILE_ROW",
  CURRENT_TIMESTAMP,
  FALSE
);

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PRUNE"
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage: drops snapshots of currencies older than the latest complete one'
  AFTER "LAKE"."SHOP_RAW"."CURRENCIES_MERGE"
  AS
DELETE FROM "LAKE"."SHOP_RAW"."CURRENCIES"
WHERE SPLIT_PART("_SNOWSTAGE_FILE", '/', -2) < (
  SELECT COALESCE(MAX(c."SNAPSHOT_ID"), '')
  FROM (
    SELECT m."SNAPSHOT_ID"
    FROM "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS" AS m
    LEFT JOIN (
      SELECT DISTINCT
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
      FROM "LAKE"."SHOP_RAW"."CURRENCIES" AS r
    ) AS f
      ON f."SNAPSHOT_ID" = m."SNAPSHOT_ID" AND f."KEY_FILE" = m."KEY_FILE"
    GROUP BY m."SNAPSHOT_ID"
    HAVING COUNT(m."KEY_FILE") = COUNT(f."KEY_FILE")
  ) AS c
);

ALTER TASK "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PRUNE" RESUME;

ALTER TASK "LAKE"."SHOP_RAW"."CURRENCIES_MERGE" RESUME;
