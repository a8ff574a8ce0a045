-- snowstage pipeline lake2: external stage
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- One external stage over the pipeline's data folder; each table's pipe reads its own sub-folder.
-- Its URL and integration are never replaced or altered in place: a stage whose URL, integration or encryption
-- changes stops every pipe on it (STOPPED_STAGE_DROPPED / STOPPED_STAGE_ALTERED), so such a change is a migration.
-- Its default file format is the one without PARSE_HEADER (ad-hoc `SELECT $1 FROM @stage` works); the pipes name
-- their own format in their COPY, so setting the default changes nothing for them.
-- Syntax, clauses in the documented order:
--   CREATE STAGE: https://docs.snowflake.com/en/sql-reference/sql/create-stage
--   ALTER STAGE: https://docs.snowflake.com/en/sql-reference/sql/alter-stage

CREATE STAGE IF NOT EXISTS "Lake"."Raw Zone"."LAKE2_STAGE"
  URL = 's3://bucket.with.dots/data/'
  STORAGE_INTEGRATION = "LAKE_INT"
  FILE_FORMAT = (FORMAT_NAME = '"Lake"."Raw Zone"."LAKE2_CSV_QUERY"')
  COMMENT = 'snowstage: data files of pipeline lake2';

-- For a stage created before the two formats existed.
ALTER STAGE "Lake"."Raw Zone"."LAKE2_STAGE" SET
  FILE_FORMAT = (FORMAT_NAME = '"Lake"."Raw Zone"."LAKE2_CSV_QUERY"');
