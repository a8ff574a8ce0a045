-- snowstage pipeline shop: pipe of table customers
-- Generated from pipeline.yaml, tables/customers.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Snowpipe with S3 event notifications (AUTO_INGEST). Columns are matched by the CSV header, so a column added
-- to the metadata needs only ALTER TABLE ... ADD COLUMN, never a new pipe. Never replaced: a replaced pipe loses
-- its load history and can load files twice; a COPY change is a migration (see README).
-- After creating it, point the bucket's s3:ObjectCreated:* notifications for prefix mysql/shop/data/customers/
-- at the pipe's notification_channel (`snowstage apply` does this).
-- Syntax, clauses in the documented order:
--   CREATE PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
--   COPY INTO <table>: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
--   ALTER PIPE: https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   GRANT <privileges>: https://docs.snowflake.com/en/sql-reference/sql/grant-privilege

CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads s3://shop-lake/mysql/shop/data/customers/ into CUSTOMERS'
  AS
COPY INTO "LAKE"."SHOP_RAW"."CUSTOMERS"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/customers/
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_FILE_ROW" = METADATA$FILE_ROW_NUMBER,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;

-- SYSTEM$PIPE_STATUS and the pipe names in COPY_HISTORY show only to the owner or a role with MONITOR on the pipe.
-- Granted here by the pipe's owner, pipe by pipe: Snowflake allows no bulk (ALL / FUTURE) grants on pipes in the
-- administrator file, and a recreated pipe (a migration) gets it back on the next apply.
GRANT MONITOR ON PIPE "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE" TO ROLE "LAKE_MONITOR";
