-- snowstage pipeline shop: pipe of table shipping_zones
-- Generated from pipeline.yaml, tables/shipping_zones.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Snowpipe with S3 event notifications (AUTO_INGEST). Columns are matched by the CSV header, so a column added
-- to the metadata needs only ALTER TABLE ... ADD COLUMN, never a new pipe. Never replaced: a replaced pipe loses
-- its load history and can load files twice; a COPY change is a migration (see README).
-- After creating it, point the bucket's s3:ObjectCreated:* notifications for prefix mysql/shop/data/shipping_zones/
-- at the pipe's notification_channel (`snowstage apply` does this).
-- Syntax, clauses in the documented order:
--   CREATE PIPE: https://docs.snowflake.com/en/sql-reference/sql/create-pipe
--   COPY INTO <table>: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
--   ALTER PIPE: https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   GRANT <privileges>: https://docs.snowflake.com/en/sql-reference/sql/grant-privilege

CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."SHIPPING_ZONES_PIPE"
  AUTO_INGEST = TRUE
  COMMENT = 'snowstage: loads s3://shop-lake/mysql/shop/data/shipping_zones/ into SHIPPING_ZONES'
  AS
COPY INTO "LAKE"."SHOP_RAW"."SHIPPING_ZONES"
  FROM @"LAKE"."SHOP_RAW"."SHOP_STAGE"/shipping_zones/
  PATTERN = '.*/[0-9]{8}T[0-9]{9}Z-[0-9a-f]{6}-[0-9]{6}[.]csv[.]gz'
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE
  INCLUDE_METADATA = (
    "_SNOWSTAGE_FILE" = METADATA$FILENAME,
    "_SNOWSTAGE_FILE_ROW" = METADATA$FILE_ROW_NUMBER,
    "_SNOWSTAGE_LOADED_AT" = METADATA$START_SCAN_TIME
  )
  ON_ERROR = SKIP_FILE;
