-- snowstage pipeline shop: migration 001
-- Generated from the committed generated tree (model.json). Do not edit: change the metadata and run `snowstage generate`.
-- MIGRATION 001: retire table currencies (removed from the metadata): pause and drop pipe "LAKE"."SHOP_RAW"."CURRENCIES_PIPE", task "LAKE"."SHOP_RAW"."CURRENCIES_MERGE", stream "LAKE"."SHOP_RAW"."CURRENCIES_STREAM"; keep tables "LAKE"."SHOP_RAW"."CURRENCIES", "LAKE"."SHOP"."CURRENCIES".
-- Its pipe would keep loading files and its MERGE task keep running on a schedule. This pauses and drops the
-- pipe, suspends and drops the MERGE task and drops the stream. Syntax, clauses in the documented order:
--   ALTER PIPE: https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   DROP PIPE: https://docs.snowflake.com/en/sql-reference/sql/drop-pipe
--   DROP TASK: https://docs.snowflake.com/en/sql-reference/sql/drop-task
--   DROP STREAM: https://docs.snowflake.com/en/sql-reference/sql/drop-stream
--   DROP TABLE: https://docs.snowflake.com/en/sql-reference/sql/drop-table
-- Run it once, deliberately: `snowstage apply --migration 001_retire_table_currencies`. Never part of a normal apply.
-- Every statement is IF EXISTS, so a rerun changes nothing.
-- The landing table "LAKE"."SHOP_RAW"."CURRENCIES" and the target table "LAKE"."SHOP"."CURRENCIES" are kept, with their rows
-- (`snowstage generate --drop-tables` writes the DROP TABLE statements when a table is removed).
-- Not done here: the bucket's event notification for mysql/shop/data/currencies/ stays (remove it in the bucket's
-- notification configuration), and so do the data files and the extractor's state under the bucket's prefix.

-- 1. Pause the pipe: it loads nothing more.
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;

-- A snapshot table (mode: snapshot): its markers pipe too.
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;

-- 2. Suspend the MERGE task: it merges nothing more.
ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_MERGE" SUSPEND;

-- 3. Drop the pipe, the task and the stream.
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_PIPE";

DROP TASK IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_MERGE";

DROP STREAM IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_STREAM";

-- A snapshot table has no stream (the statement above does nothing); its markers pipe and prune task go too.
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE";

DROP TASK IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PRUNE";
