-- snowstage pipeline bookstore: target table of table books
-- Generated from pipeline.yaml, tables/books.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Target table: typed columns (the type map is in the README), the MERGE key, and the version of the source row
-- each row holds (file and row number), which the MERGE compares so replayed files change nothing. Deleted keys
-- stay as rows flagged _SNOWSTAGE_DELETED = TRUE (tombstones), so an older version arriving later cannot
-- bring them back. The view "ANALYTICS"."BOOKSTORE"."BOOKS_LIVE" shows the rows that are not deleted.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN: "ADD COLUMN operations can be performed on
-- multiple columns in the same command", so one statement adds them all).

CREATE TABLE IF NOT EXISTS "ANALYTICS"."BOOKSTORE"."BOOKS" (
  "BOOK_ID" NUMBER(10,0) NOT NULL, -- MySQL int unsigned
  "ISBN13" VARCHAR(13), -- MySQL char(13)
  "TITLE" VARCHAR(500), -- MySQL varchar(500)
  "AUTHOR" VARCHAR(255), -- MySQL varchar(255)
  "PRICE" NUMBER(10,2), -- MySQL decimal(10,2)
  "RATING" NUMBER(3,2), -- MySQL decimal(3,2)
  "STOCK_COUNT" NUMBER(10,0), -- MySQL int
  "IN_PRINT" BOOLEAN, -- MySQL tinyint(1)
  "FORMAT" VARCHAR(9), -- MySQL enum('hardcover','paperback','ebook','audio')
  "TAGS" VARCHAR(37), -- MySQL set('fiction','nonfiction','classic','bestseller')
  "PUBLISHED_ON" DATE, -- MySQL date
  "METADATA" VARIANT, -- MySQL json
  "COVER_THUMBNAIL" BINARY(65535), -- MySQL blob
  "CREATED_AT" TIMESTAMP_NTZ(6), -- MySQL datetime(6)
  "UPDATED_AT" TIMESTAMP_NTZ(6), -- MySQL datetime(6)
  "DELETED_AT" TIMESTAMP_NTZ(6), -- MySQL datetime(6)
  "_SNOWSTAGE_FILE" VARCHAR, -- file the row version came from
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0), -- row number in that file
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9), -- when the MERGE wrote it
  "_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE, -- TRUE: the newest version is a delete (a tombstone)
  PRIMARY KEY ("BOOK_ID")
)
  COMMENT = 'snowstage: MySQL table books, merged from BOOKS landing rows';

-- Columns added to the metadata later, in one statement; each is a no-op on a table that already has it, whatever
-- its type (a changed type is a migration `snowstage generate` writes). New columns are nullable: rows merged
-- before the column existed have no value for it. No DEFAULT here: the page above refuses IF NOT EXISTS together
-- with DEFAULT, and every reader of _SNOWSTAGE_DELETED takes NULL as FALSE.
ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS
  "BOOK_ID" NUMBER(10,0),
  "ISBN13" VARCHAR(13),
  "TITLE" VARCHAR(500),
  "AUTHOR" VARCHAR(255),
  "PRICE" NUMBER(10,2),
  "RATING" NUMBER(3,2),
  "STOCK_COUNT" NUMBER(10,0),
  "IN_PRINT" BOOLEAN,
  "FORMAT" VARCHAR(9),
  "TAGS" VARCHAR(37),
  "PUBLISHED_ON" DATE,
  "METADATA" VARIANT,
  "COVER_THUMBNAIL" BINARY(65535),
  "CREATED_AT" TIMESTAMP_NTZ(6),
  "UPDATED_AT" TIMESTAMP_NTZ(6),
  "DELETED_AT" TIMESTAMP_NTZ(6),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9),
  "_SNOWSTAGE_DELETED" BOOLEAN;
