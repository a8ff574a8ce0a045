-- snowstage pipeline shop: stream of table accounts
-- Generated from pipeline.yaml, tables/accounts.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Append-only stream: the MERGE task's only consumer of new landing rows. Created before the pipe so that no
-- loaded row predates it. Never replaced: a replaced stream forgets its offset and loses unmerged rows.
-- It must be consumed within the table's data retention (extended up to MAX_DATA_EXTENSION_TIME_IN_DAYS, 14 days by
-- default) or it goes stale and must be recreated; a suspended MERGE task does not consume it (README, "Failures").
-- Syntax, clauses in the documented order: CREATE STREAM: https://docs.snowflake.com/en/sql-reference/sql/create-stream

CREATE STREAM IF NOT EXISTS "LAKE"."SHOP_RAW"."ACCOUNTS_STREAM"
  ON TABLE "LAKE"."SHOP_RAW"."ACCOUNTS"
  APPEND_ONLY = TRUE
  COMMENT = 'snowstage: new landing rows for the MERGE task of accounts';
