-- snowstage pipeline shop: external stage
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- One external stage over the pipeline's data folder; each table's pipe reads its own sub-folder.
-- Its URL and integration are never replaced or altered in place: a stage whose URL, integration or encryption
-- changes stops every pipe on it (STOPPED_STAGE_DROPPED / STOPPED_STAGE_ALTERED), so such a change is a migration.
-- Its default file format is the one without PARSE_HEADER (ad-hoc `SELECT $1 FROM @stage` works); the pipes name
-- their own format in their COPY, so setting the default changes nothing for them.
-- Syntax, clauses in the documented order:
--   CREATE STAGE: https://docs.snowflake.com/en/sql-reference/sql/create-stage
--   ALTER STAGE: https://docs.snowflake.com/en/sql-reference/sql/alter-stage

CREATE STAGE IF NOT EXISTS "LAKE"."SHOP_RAW"."SHOP_STAGE"
  URL = 's3://shop-lake/mysql/shop/data/'
  STORAGE_INTEGRATION = "SHOP_S3"
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV_QUERY"')
  COMMENT = 'snowstage: data files of pipeline shop';

-- For a stage created before the two formats existed.
ALTER STAGE "LAKE"."SHOP_RAW"."SHOP_STAGE" SET
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV_QUERY"');
