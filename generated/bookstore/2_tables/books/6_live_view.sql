-- snowstage pipeline bookstore: live rows view of table books
-- Generated from pipeline.yaml, tables/books.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Live rows: the target table keeps deleted keys as tombstones (_SNOWSTAGE_DELETED = TRUE) so that an older
-- version loaded later cannot bring them back; this view shows the rows that are not deleted, with the MySQL
-- columns only. Rows merged before the tombstone column existed hold NULL there and are live. A view holds no
-- data, so it is replaced (COPY GRANTS keeps its grants) and follows columns added to the metadata.
-- Syntax: https://docs.snowflake.com/en/sql-reference/sql/create-view

CREATE OR REPLACE VIEW "ANALYTICS"."BOOKSTORE"."BOOKS_LIVE"
  COPY GRANTS
  COMMENT = 'snowstage: rows of BOOKS that are not deleted (MySQL table books)'
  AS
SELECT
  "BOOK_ID",
  "ISBN13",
  "TITLE",
  "AUTHOR",
  "PRICE",
  "RATING",
  "STOCK_COUNT",
  "IN_PRINT",
  "FORMAT",
  "TAGS",
  "PUBLISHED_ON",
  "METADATA",
  "COVER_THUMBNAIL",
  "CREATED_AT",
  "UPDATED_AT",
  "DELETED_AT"
FROM "ANALYTICS"."BOOKSTORE"."BOOKS"
WHERE COALESCE("_SNOWSTAGE_DELETED", FALSE) = FALSE;
