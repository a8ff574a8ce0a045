-- snowstage pipeline shop: external stage
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- One external stage over the pipeline's data folder; each table's pipe reads its own sub-folder.
-- Never replaced or altered in place: a stage whose URL, integration or encryption changes stops every pipe on it
-- (STOPPED_STAGE_DROPPED / STOPPED_STAGE_ALTERED), so such a change is a migration.

CREATE STAGE IF NOT EXISTS "LAKE"."SHOP_RAW"."SHOP_STAGE"
  URL = 's3://shop-lake/mysql/shop/data/'
  STORAGE_INTEGRATION = "SHOP_S3"
  FILE_FORMAT = (FORMAT_NAME = '"LAKE"."SHOP_RAW"."SHOP_CSV"')
  COMMENT = 'snowstage: data files of pipeline shop';
