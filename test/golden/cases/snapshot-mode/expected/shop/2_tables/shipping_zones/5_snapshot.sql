-- snowstage pipeline shop: snapshot apply of table shipping_zones
-- Generated from pipeline.yaml, tables/shipping_zones.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Snapshot apply (mode: snapshot): every extraction run copies the whole table as one snapshot, read in one pass (no key to page by), under
--   s3://shop-lake/mysql/shop/data/shipping_zones/<snapshot id>/
-- as data files the pipe "LAKE"."SHOP_RAW"."SHIPPING_ZONES_PIPE" loads into the landing table, then a completion marker complete.csv.gz
-- listing every data file of the snapshot, which the pipe below loads. The task makes the target equal to the
-- latest complete snapshot:
-- * A snapshot counts only when its marker and every data file the marker lists are loaded (files load in no
--   order): a snapshot interrupted by a crash, or not loaded yet, changes nothing. Only the files the marker
--   lists are read (a file uploaded by an attempt that crashed before recording it is not part of the snapshot).
-- * Keyless: the table has no unique key, so it is replaced whole: one MERGE inserts the snapshot's rows and deletes
--   every row of an older snapshot, in one statement (readers never see a mix). Rows carry no tombstones.
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

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS" (
  "SNAPSHOT_ID" VARCHAR,
  "START_CURSOR" VARCHAR,
  "KEY_FILE" VARCHAR,
  "KEY_FILE_ROWS" VARCHAR,
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: completed snapshots of MySQL table shipping_zones';

-- Never replaced (a replaced pipe loses its load history). It shares the folder, and so the bucket notification,
-- of the data pipe: both pipes get every event and their PATTERNs tell the files apart.
CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads snapshot completion markers under s3://shop-lake/mysql/shop/data/shipping_zones/'
  AS
COPY INTO "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/shipping_zones/
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
ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."SHIPPING_ZONES_MERGE" SUSPEND;

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."SHIPPING_ZONES_MERGE"
  WAREHOUSE = "LOAD_WH"
  SCHEDULE = '5 MINUTES'
  SUSPEND_TASK_AFTER_NUM_FAILURES = 10
  COMMENT = 'snowstage: makes SHIPPING_ZONES equal to the latest complete snapshot of shipping_zones'
  TASK_AUTO_RETRY_ATTEMPTS = 2
  AS
MERGE INTO "LAKE"."SHOP"."SHIPPING_ZONES" AS t
USING (
  WITH complete AS (
    SELECT m."SNAPSHOT_ID"
    FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS" AS m
    LEFT JOIN (
      SELECT DISTINCT
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
      FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES" AS r
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
      r."COUNTRY" AS "COUNTRY",
      r."ZONE" AS "ZONE",
      r."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
      r."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW"
    FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES" AS r
    JOIN latest AS l
      ON SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) = l."SNAPSHOT_ID"
    JOIN (SELECT DISTINCT "SNAPSHOT_ID", "KEY_FILE" FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS") AS m
      ON m."SNAPSHOT_ID" = l."SNAPSHOT_ID" AND m."KEY_FILE" = SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1)
    QUALIFY ROW_NUMBER() OVER (
      PARTITION BY r."_SNOWSTAGE_FILE", r."_SNOWSTAGE_FILE_ROW"
      ORDER BY r."_SNOWSTAGE_FILE" DESC, r."_SNOWSTAGE_FILE_ROW" DESC
    ) = 1
  )
  SELECT sr.*, FALSE AS "_SNOWSTAGE_ABSENT"
  FROM snapshot_rows AS sr
  UNION ALL
  SELECT
    o."COUNTRY" AS "COUNTRY",
    o."ZONE" AS "ZONE",
    o."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
    o."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW",
    TRUE AS "_SNOWSTAGE_ABSENT"
  FROM "LAKE"."SHOP"."SHIPPING_ZONES" AS o
  JOIN latest AS l
    ON l."SNAPSHOT_ID" IS NOT NULL
  WHERE SPLIT_PART(o."_SNOWSTAGE_FILE", '/', -2) <> l."SNAPSHOT_ID"
) AS s
ON t."_SNOWSTAGE_FILE" = s."_SNOWSTAGE_FILE" AND t."_SNOWSTAGE_FILE_ROW" = s."_SNOWSTAGE_FILE_ROW"
WHEN MATCHED AND s."_SNOWSTAGE_ABSENT" THEN DELETE
WHEN NOT MATCHED AND NOT s."_SNOWSTAGE_ABSENT" THEN INSERT (
  "COUNTRY",
  "ZONE",
  "_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT",
  "_SNOWSTAGE_DELETED"
) VALUES (
  s."COUNTRY",
  s."ZONE",
  s."_SNOWSTAGE_FILE",
  s."_SNOWSTAGE_FILE_ROW",
  CURRENT_TIMESTAMP,
  FALSE
);

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS_PRUNE"
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage: drops snapshots of shipping_zones older than the latest complete one'
  AFTER "LAKE"."SHOP_RAW"."SHIPPING_ZONES_MERGE"
  AS
DELETE FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES"
WHERE SPLIT_PART("_SNOWSTAGE_FILE", '/', -2) < (
  SELECT COALESCE(MAX(c."SNAPSHOT_ID"), '')
  FROM (
    SELECT m."SNAPSHOT_ID"
    FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS" AS m
    LEFT JOIN (
      SELECT DISTINCT
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
        SPLIT_PART(r."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
      FROM "LAKE"."SHOP_RAW"."SHIPPING_ZONES" AS r
    ) AS f
      ON f."SNAPSHOT_ID" = m."SNAPSHOT_ID" AND f."KEY_FILE" = m."KEY_FILE"
    GROUP BY m."SNAPSHOT_ID"
    HAVING COUNT(m."KEY_FILE") = COUNT(f."KEY_FILE")
  ) AS c
);

ALTER TASK "LAKE"."SHOP_RAW"."SHIPPING_ZONES_SNAPSHOTS_PRUNE" RESUME;

ALTER TASK "LAKE"."SHOP_RAW"."SHIPPING_ZONES_MERGE" RESUME;
