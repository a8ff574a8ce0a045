-- snowstage pipeline shop: target table of table accounts
-- Generated from pipeline.yaml, tables/accounts.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Target table: typed columns (the type map is in the README), the MERGE key, and the version of the source row
-- each row holds (file and row number), which the MERGE compares so replayed files change nothing. Deleted keys
-- stay as rows flagged _SNOWSTAGE_DELETED = TRUE (tombstones), so an older version arriving later cannot
-- bring them back. The view "LAKE"."SHOP"."ACCOUNTS_LIVE" shows the rows that are not deleted.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN: "ADD COLUMN operations can be performed on
-- multiple columns in the same command", so one statement adds them all).

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP"."ACCOUNTS" (
  "ID" NUMBER(20,0) NOT NULL, -- MySQL bigint unsigned
  "NAME" VARCHAR(100), -- MySQL varchar(100)
  "UPDATED_AT" TIMESTAMP_NTZ(6), -- MySQL datetime(6)
  "_SNOWSTAGE_FILE" VARCHAR, -- file the row version came from
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0), -- row number in that file
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9), -- when the MERGE wrote it
  "_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE, -- TRUE: the newest version is a delete (a tombstone)
  PRIMARY KEY ("ID")
)
  COMMENT = 'snowstage: MySQL table accounts, merged from ACCOUNTS landing rows';

-- Columns added to the metadata later, in one statement; each is a no-op on a table that already has it, whatever
-- its type (a changed type is a migration `snowstage generate` writes). New columns are nullable: rows merged
-- before the column existed have no value for it. No DEFAULT here: the page above refuses IF NOT EXISTS together
-- with DEFAULT, and every reader of _SNOWSTAGE_DELETED takes NULL as FALSE.
ALTER TABLE "LAKE"."SHOP"."ACCOUNTS" ADD COLUMN IF NOT EXISTS
  "ID" NUMBER(20,0),
  "NAME" VARCHAR(100),
  "UPDATED_AT" TIMESTAMP_NTZ(6),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9),
  "_SNOWSTAGE_DELETED" BOOLEAN;
