-- snowstage pipeline bookstore: landing table of table book_reviews
-- Generated from pipeline.yaml, tables/book_reviews.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Landing table: every source column as text, exactly as extracted, plus load metadata. Snowpipe never has to
-- convert a value here, so it never skips a file over one bad value; the MERGE converts and fails loudly instead.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN: "ADD COLUMN operations can be performed on
-- multiple columns in the same command", so one statement adds them all).

CREATE TABLE IF NOT EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS" (
  "REVIEW_ID" VARCHAR,
  "BOOK_ID" VARCHAR,
  "REVIEWER" VARCHAR,
  "RATING" VARCHAR,
  "REVIEW_TEXT" VARCHAR,
  "HELPFUL_VOTES" VARCHAR,
  "REVIEWED_AT" VARCHAR,
  "UPDATED_AT" VARCHAR,
  "IS_DELETED" VARCHAR,
  "_SNOWSTAGE_OP" VARCHAR(1),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: landing table for MySQL table book_reviews, loaded by Snowpipe';

-- Columns added to the metadata later, in one statement; each is a no-op on a table that already has it, whatever
-- its type (a changed type is a migration `snowstage generate` writes).
ALTER TABLE "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS" ADD COLUMN IF NOT EXISTS
  "REVIEW_ID" VARCHAR,
  "BOOK_ID" VARCHAR,
  "REVIEWER" VARCHAR,
  "RATING" VARCHAR,
  "REVIEW_TEXT" VARCHAR,
  "HELPFUL_VOTES" VARCHAR,
  "REVIEWED_AT" VARCHAR,
  "UPDATED_AT" VARCHAR,
  "IS_DELETED" VARCHAR,
  "_SNOWSTAGE_OP" VARCHAR(1),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9);
