-- snowstage pipeline lake2: live rows view of table hostile
-- Generated from pipeline.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Live rows: the target table keeps deleted keys as tombstones (_SNOWSTAGE_DELETED = TRUE) so that an older
-- version loaded later cannot bring them back; this view shows the rows that are not deleted, with the MySQL
-- columns only. Rows merged before the tombstone column existed hold NULL there and are live. A view holds no
-- data, so it is replaced (COPY GRANTS keeps its grants) and follows columns added to the metadata.
-- Syntax: https://docs.snowflake.com/en/sql-reference/sql/create-view

CREATE OR REPLACE VIEW "Lake"."CURATED"."We'ird""; DROP TABLE y; --_LIVE"
  COPY GRANTS
  COMMENT = 'snowstage: rows of We''ird"; DROP TABLE y; -- that are not deleted (MySQL table order`s; DROP TABLE x)'
  AS
SELECT
  "X""; DROP TABLE Y; --",
  "IT'S\TIME",
  "NEW LINE"
FROM "Lake"."CURATED"."We'ird""; DROP TABLE y; --"
WHERE COALESCE("_SNOWSTAGE_DELETED", FALSE) = FALSE;
