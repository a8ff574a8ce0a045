-- snowstage pipeline bookstore: external stage
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- One external stage over the pipeline's data folder; each table's pipe reads its own sub-folder.
-- Never replaced or altered in place: a stage whose URL, integration or encryption changes stops every pipe on it
-- (STOPPED_STAGE_DROPPED / STOPPED_STAGE_ALTERED), so such a change is a migration.

CREATE STAGE IF NOT EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_STAGE"
  URL = 's3://snowstage-bookstore/bookstore/data/'
  STORAGE_INTEGRATION = "SNOWSTAGE_BOOKSTORE_S3"
  FILE_FORMAT = (FORMAT_NAME = '"ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_CSV"')
  COMMENT = 'snowstage: data files of pipeline bookstore';
