-- snowstage pipeline shop: landing table of table currencies
-- Generated from pipeline.yaml, tables/currencies.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Landing table: every source column as text, exactly as extracted, plus load metadata. Snowpipe never has to
-- convert a value here, so it never skips a file over one bad value; the MERGE converts and fails loudly instead.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN: "ADD COLUMN operations can be performed on
-- multiple columns in the same command", so one statement adds them all).

CREATE TABLE IF NOT EXISTS "LAKE"."SHOP_RAW"."CURRENCIES" (
  "CODE" VARCHAR,
  "RATE" VARCHAR,
  "_SNOWSTAGE_OP" VARCHAR(1),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9)
)
  COMMENT = 'snowstage: landing table for MySQL table currencies, loaded by Snowpipe';

-- Columns added to the metadata later, in one statement; each is a no-op on a table that already has it, whatever
-- its type (a changed type is a migration `snowstage generate` writes).
ALTER TABLE "LAKE"."SHOP_RAW"."CURRENCIES" ADD COLUMN IF NOT EXISTS
  "CODE" VARCHAR,
  "RATE" VARCHAR,
  "_SNOWSTAGE_OP" VARCHAR(1),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_LOADED_AT" TIMESTAMP_LTZ(9);
