-- snowstage pipeline bookstore: live rows view of table book_reviews
-- Generated from pipeline.yaml, tables/book_reviews.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Live rows: the target table keeps deleted keys as tombstones (_SNOWSTAGE_DELETED = TRUE) so that an older
-- version loaded later cannot bring them back; this view shows the rows that are not deleted, with the MySQL
-- columns only. Rows merged before the tombstone column existed hold NULL there and are live. A view holds no
-- data, so it is replaced (COPY GRANTS keeps its grants) and follows columns added to the metadata.
-- Syntax: https://docs.snowflake.com/en/sql-reference/sql/create-view

CREATE OR REPLACE VIEW "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS_LIVE"
  COPY GRANTS
  COMMENT = 'snowstage: rows of BOOK_REVIEWS that are not deleted (MySQL table book_reviews)'
  AS
SELECT
  "REVIEW_ID",
  "BOOK_ID",
  "REVIEWER",
  "RATING",
  "REVIEW_TEXT",
  "HELPFUL_VOTES",
  "REVIEWED_AT",
  "UPDATED_AT",
  "IS_DELETED"
FROM "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS"
WHERE COALESCE("_SNOWSTAGE_DELETED", FALSE) = FALSE;
