-- snowstage pipeline bookstore: target table of table book_reviews
-- Generated from pipeline.yaml, tables/book_reviews.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Target table: typed columns (the type map is in the README), the MERGE key, and the version of the source row
-- each row holds (file and row number), which the MERGE compares so replayed files change nothing. Deleted keys
-- stay as rows flagged _SNOWSTAGE_DELETED = TRUE (tombstones), so an older version arriving later cannot
-- bring them back. The view "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS_LIVE" shows the rows that are not deleted.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN).

CREATE TABLE IF NOT EXISTS "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" (
  "REVIEW_ID" NUMBER(20,0) NOT NULL, -- MySQL bigint unsigned
  "BOOK_ID" NUMBER(10,0), -- MySQL int unsigned
  "REVIEWER" VARCHAR(255), -- MySQL varchar(255)
  "RATING" NUMBER(3,0), -- MySQL tinyint
  "REVIEW_TEXT" VARCHAR(65535), -- MySQL text
  "HELPFUL_VOTES" NUMBER(20,0), -- MySQL bigint unsigned
  "REVIEWED_AT" TIMESTAMP_TZ(6), -- MySQL timestamp(6)
  "UPDATED_AT" TIMESTAMP_TZ(6), -- MySQL timestamp(6)
  "IS_DELETED" NUMBER(3,0), -- MySQL tinyint(1)
  "_SNOWSTAGE_FILE" VARCHAR, -- file the row version came from
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0), -- row number in that file
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9), -- when the MERGE wrote it
  "_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE, -- TRUE: the newest version is a delete (a tombstone)
  PRIMARY KEY ("REVIEW_ID")
)
  COMMENT = 'snowstage: MySQL table book_reviews, merged from BOOK_REVIEWS landing rows';

-- Columns added to the metadata later; no-ops on a table that already has them, whatever its type (a changed type
-- is a migration `snowstage generate` writes). New columns are nullable: rows merged before the column existed
-- have no value for it.
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "REVIEW_ID" NUMBER(20,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "BOOK_ID" NUMBER(10,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "REVIEWER" VARCHAR(255);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "RATING" NUMBER(3,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "REVIEW_TEXT" VARCHAR(65535);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "HELPFUL_VOTES" NUMBER(20,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "REVIEWED_AT" TIMESTAMP_TZ(6);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "UPDATED_AT" TIMESTAMP_TZ(6);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "IS_DELETED" NUMBER(3,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_FILE" VARCHAR;
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_FILE_ROW" NUMBER(38,0);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9);
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE;
