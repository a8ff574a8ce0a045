-- snowstage pipeline lake2: stream of table hostile
-- Generated from pipeline.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Append-only stream: the MERGE task's only consumer of new landing rows. Created before the pipe so that no
-- loaded row predates it. Never replaced: a replaced stream forgets its offset and loses unmerged rows.

CREATE STREAM IF NOT EXISTS "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --_STREAM"
  ON TABLE "Lake"."Raw Zone"."We'ird""; DROP TABLE y; --"
  APPEND_ONLY = TRUE
  COMMENT = 'snowstage: new landing rows for the MERGE task of hostile';
