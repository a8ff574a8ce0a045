-- snowstage pipeline lake2: external stage
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- One external stage over the pipeline's data folder; each table's pipe reads its own sub-folder.
-- Never replaced or altered in place: a stage whose URL, integration or encryption changes stops every pipe on it
-- (STOPPED_STAGE_DROPPED / STOPPED_STAGE_ALTERED), so such a change is a migration.

CREATE STAGE IF NOT EXISTS "Lake"."Raw Zone"."LAKE2_STAGE"
  URL = 's3://bucket.with.dots/data/'
  STORAGE_INTEGRATION = "LAKE_INT"
  FILE_FORMAT = (FORMAT_NAME = '"Lake"."Raw Zone"."LAKE2_CSV"')
  COMMENT = 'snowstage: data files of pipeline lake2';
