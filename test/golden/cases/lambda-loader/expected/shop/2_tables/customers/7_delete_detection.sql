-- snowstage pipeline shop: delete detection of table customers
-- Generated from pipeline.yaml, tables/customers.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Delete detection (delete_detection: every 60 minutes): rows deleted from MySQL that no data file
-- reports (hard deletes, without the binlog). The extractor writes key snapshots, the primary-key columns of every
-- row read in key order, under
--   s3://shop-lake/mysql/shop/data/_keys/customers/<snapshot id>/
-- then a completion marker complete.csv.gz listing the snapshot's key files and its START_CURSOR (the cursor upper
-- bound when the first key was read, in MySQL's clock and the cursor's zone). Two pipes load them here (with
-- loader: lambda, the Lambda COPY loader runs their COPY for each new file instead); the task
-- below marks as tombstones the live target rows whose key is absent from the latest complete snapshot and whose
-- cursor is older than its START_CURSOR (a NULL cursor is the oldest version).
-- * A snapshot counts only when its marker and every key file the marker lists are loaded (Snowpipe loads files in
--   no order): a snapshot interrupted by a crash, or not loaded yet, deletes nothing.
-- * Rows written during the snapshot have a cursor at or above its START_CURSOR and are never marked.
-- * A marked row keeps its version (cursor, file, row): a newer real version (the key inserted again) un-deletes it
--   through the MERGE, an older one loaded late cannot bring it back. The MERGE never deletes.
-- * Applying the same snapshot again changes nothing; the prune task then drops the keys of older snapshots.
-- Syntax, clauses in the documented order:
--   CREATE TABLE: https://docs.snowflake.com/en/sql-reference/sql/create-table
--   CREATE PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
--   COPY INTO <table>: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
--   ALTER TASK ... SUSPEND / RESUME: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   CREATE OR ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/create-task
--   UPDATE: https://docs.snowflake.com/en/sql-reference/sql/update
--   DELETE: https://docs.snowflake.com/en/sql-reference/sql/delete

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS" (
  "ID" VARCHAR,
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: key snapshots of MySQL table customers (delete detection)';

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS" (
  "SNAPSHOT_ID" VARCHAR,
  "START_CURSOR" VARCHAR,
  "KEY_FILE" VARCHAR,
  "KEY_FILE_ROWS" VARCHAR,
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: completed key snapshots of MySQL table customers';

-- Never replaced (a replaced pipe loses its load history). Point the bucket's s3:ObjectCreated:* notifications for
-- prefix mysql/shop/data/_keys/customers/ at both pipes' notification_channel (`snowstage apply` does, when both share a queue).
CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads key files under s3://shop-lake/mysql/shop/data/_keys/customers/'
  AS
COPY INTO "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/_keys/customers/
  PATTERN = '.*/[0-9]{8}T[0-9]{9}Z-[0-9a-f]{6}-[0-9]{6}[.]csv[.]gz'
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads completion markers under s3://shop-lake/mysql/shop/data/_keys/customers/'
  AS
COPY INTO "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/_keys/customers/
  PATTERN = '.*/complete[.]csv[.]gz'
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

-- A root task is suspended before it or its child change; the child is resumed before the root.
ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_DELETE_DETECTION" SUSPEND;

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."CUSTOMERS_DELETE_DETECTION"
  WAREHOUSE = "LOAD_WH"
  SCHEDULE = '60 MINUTES'
  COMMENT = 'snowstage: marks rows of CUSTOMERS deleted from MySQL as tombstones'
  AS
UPDATE "LAKE"."SHOP"."CUSTOMERS" AS t
SET
  "_SNOWSTAGE_DELETED" = TRUE,
  "_SNOWSTAGE_MERGED_AT" = CURRENT_TIMESTAMP
FROM (
  SELECT m."SNAPSHOT_ID", ANY_VALUE(m."START_CURSOR") AS "START_CURSOR"
  FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS" AS m
  LEFT JOIN (
    SELECT DISTINCT
      SPLIT_PART(k."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
      SPLIT_PART(k."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
    FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS" AS k
  ) AS f
    ON f."SNAPSHOT_ID" = m."SNAPSHOT_ID" AND f."KEY_FILE" = m."KEY_FILE"
  GROUP BY m."SNAPSHOT_ID"
  HAVING COUNT(m."KEY_FILE") = COUNT(f."KEY_FILE")
  ORDER BY m."SNAPSHOT_ID" DESC
  LIMIT 1
) AS snap
WHERE COALESCE(t."_SNOWSTAGE_DELETED", FALSE) = FALSE
  AND (t."UPDATED_AT" IS NULL OR t."UPDATED_AT" < TO_TIMESTAMP_NTZ(snap."START_CURSOR", 'YYYY-MM-DD HH24:MI:SS.FF6'))
  AND NOT EXISTS (
    SELECT 1
    FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS" AS k
    WHERE SPLIT_PART(k."_SNOWSTAGE_FILE", '/', -2) = snap."SNAPSHOT_ID"
      AND TO_NUMBER(k."ID", 20, 0) = t."ID"
  );

CREATE OR ALTER TASK "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PRUNE"
  WAREHOUSE = "LOAD_WH"
  COMMENT = 'snowstage: drops key snapshots of customers older than the latest complete one'
  AFTER "LAKE"."SHOP_RAW"."CUSTOMERS_DELETE_DETECTION"
  AS
DELETE FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS"
WHERE SPLIT_PART("_SNOWSTAGE_FILE", '/', -2) < (
  SELECT COALESCE(MAX(c."SNAPSHOT_ID"), '')
  FROM (
    SELECT m."SNAPSHOT_ID"
    FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS" AS m
    LEFT JOIN (
      SELECT DISTINCT
        SPLIT_PART(k."_SNOWSTAGE_FILE", '/', -2) AS "SNAPSHOT_ID",
        SPLIT_PART(k."_SNOWSTAGE_FILE", '/', -1) AS "KEY_FILE"
      FROM "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS" AS k
    ) AS f
      ON f."SNAPSHOT_ID" = m."SNAPSHOT_ID" AND f."KEY_FILE" = m."KEY_FILE"
    GROUP BY m."SNAPSHOT_ID"
    HAVING COUNT(m."KEY_FILE") = COUNT(f."KEY_FILE")
  ) AS c
);

ALTER TASK "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PRUNE" RESUME;

ALTER TASK "LAKE"."SHOP_RAW"."CUSTOMERS_DELETE_DETECTION" RESUME;
