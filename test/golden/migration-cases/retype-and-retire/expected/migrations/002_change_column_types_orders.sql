-- snowstage pipeline shop: migration 002
-- Generated from the table files named below. Do not edit: change the metadata and run `snowstage generate`.
-- MIGRATION 002: change column types of orders.
-- ALTER TABLE ... ALTER COLUMN ... SET DATA TYPE lengthens a VARCHAR or raises a NUMBER's precision at the same
-- scale, in place. It cannot change a NUMBER's scale, a BINARY's length or a type family; such a target column is
-- rebuilt with ALTER TABLE ... ADD / DROP / RENAME COLUMN and UPDATE ... FROM (a 1-to-1 join, one landing row per
-- file and row, as that page advises), with a Snowflake Scripting check before the old column is dropped.
-- Syntax, clauses in the documented order:
--   ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   ALTER TABLE ... ALTER COLUMN: https://docs.snowflake.com/en/sql-reference/sql/alter-table-column
--   ALTER TABLE (ADD, DROP, RENAME COLUMN): https://docs.snowflake.com/en/sql-reference/sql/alter-table
--   UPDATE: https://docs.snowflake.com/en/sql-reference/sql/update
--   EXECUTE IMMEDIATE: https://docs.snowflake.com/en/sql-reference/sql/execute-immediate
--   Snowflake Scripting RAISE: https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions
-- Run it once, deliberately, BEFORE the next `snowstage apply`: `snowstage apply --migration 002_change_column_types_orders`.
-- Never part of a normal apply: the `ADD COLUMN IF NOT EXISTS` statements of the table files do nothing to a
-- column that exists, whatever its type.
--
-- What is safe, and what is not:
-- * In-place ALTERs keep every value. Whether Snowflake accepts setting a column to the type it already has is
--   not documented: if a rerun fails on one of them, that ALTER had already run; go on from the next statement.
-- * A rebuilt column gets every value recomputed from the landing table, with the MERGE's own conversion, for
--   the row version (file, row) each target row holds; so values merged under the old type (rounded to a smaller
--   scale, for instance) come back exactly as extracted. A value that does not convert fails the UPDATE loudly.
-- * The check stops the migration, before the old column is dropped, if a target row has no landing row (landing
--   rows pruned): re-extract the table with `snowstage extract --table <t> --backfill`, let it load, run again.
-- * The MERGE task is suspended first and left suspended: the next `snowstage apply` alters it to convert to the
--   new types and resumes it. Until then no row is merged (rows wait in the stream).
-- * A rebuilt column moves to the end of the table, loses its Time Travel history and breaks views that name it
--   until they are recreated. A rebuild stopped half-way can be rerun: the copy is recomputed from the landing
--   table, and DROP COLUMN IF EXISTS skips a column already dropped.

-- Table orders. Suspend its MERGE task while its target columns are rebuilt.
ALTER TASK IF EXISTS "LAKE"."SHOP_RAW"."ORDERS_MERGE" SUSPEND;

-- target column ID of orders: NUMBER(10,0) to NUMBER(20,0), in place.
ALTER TABLE "LAKE"."SHOP"."ORDERS" ALTER COLUMN "ID" SET DATA TYPE NUMBER(20,0);

-- target column STATUS of orders: VARCHAR(20) to VARCHAR(40), in place.
ALTER TABLE "LAKE"."SHOP"."ORDERS" ALTER COLUMN "STATUS" SET DATA TYPE VARCHAR(40);

-- landing column BODY of orders: VARCHAR to VARCHAR(134217728), in place.
ALTER TABLE "LAKE"."SHOP_RAW"."ORDERS" ALTER COLUMN "BODY" SET DATA TYPE VARCHAR(134217728);

-- target column BODY of orders: VARCHAR(65535) to VARCHAR(134217728), in place.
ALTER TABLE "LAKE"."SHOP"."ORDERS" ALTER COLUMN "BODY" SET DATA TYPE VARCHAR(134217728);

-- target column AMOUNT of orders: NUMBER(10,2) to NUMBER(12,4), rebuilt. Snowflake cannot change a NUMBER's scale in place (NUMBER(10,2) to NUMBER(12,4)).
ALTER TABLE "LAKE"."SHOP"."ORDERS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_RETYPE_AMOUNT" NUMBER(12,4);

UPDATE "LAKE"."SHOP"."ORDERS"
  SET "_SNOWSTAGE_RETYPE_AMOUNT" = TO_NUMBER(r."AMOUNT", 12, 4)
  FROM (
    SELECT "_SNOWSTAGE_FILE" AS "_SNOWSTAGE_LANDING_FILE", "_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_LANDING_FILE_ROW", "AMOUNT"
      FROM "LAKE"."SHOP_RAW"."ORDERS"
      QUALIFY ROW_NUMBER() OVER (PARTITION BY "_SNOWSTAGE_FILE", "_SNOWSTAGE_FILE_ROW" ORDER BY "_SNOWSTAGE_LOADED_AT") = 1
  ) AS r
  WHERE r."_SNOWSTAGE_LANDING_FILE" = "_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_LANDING_FILE_ROW" = "_SNOWSTAGE_FILE_ROW";

EXECUTE IMMEDIATE $$
DECLARE
  rows_without_landing NUMBER;
  landing_rows_missing EXCEPTION (-20102, 'snowstage: rows of "LAKE"."SHOP"."ORDERS" have no landing row in "LAKE"."SHOP_RAW"."ORDERS" to recompute AMOUNT from (pruned?); nothing was dropped. Re-extract the table with --backfill, let it load, run this again.');
BEGIN
  SELECT COUNT(*) INTO :rows_without_landing
    FROM "LAKE"."SHOP"."ORDERS" AS t
    WHERE NOT EXISTS (
      SELECT 1 FROM "LAKE"."SHOP_RAW"."ORDERS" AS r
      WHERE r."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_FILE_ROW" = t."_SNOWSTAGE_FILE_ROW");
  IF (rows_without_landing > 0) THEN
    RAISE landing_rows_missing;
  END IF;
  RETURN 'every row of "LAKE"."SHOP"."ORDERS" has its landing row';
END;
$$;

ALTER TABLE "LAKE"."SHOP"."ORDERS" DROP COLUMN IF EXISTS "AMOUNT";

ALTER TABLE "LAKE"."SHOP"."ORDERS" RENAME COLUMN "_SNOWSTAGE_RETYPE_AMOUNT" TO "AMOUNT";

-- target column NOTES of orders: VARCHAR(134217728) to VARCHAR(65535), rebuilt. Snowflake cannot shorten a VARCHAR in place (VARCHAR(134217728) to VARCHAR(65535)).
ALTER TABLE "LAKE"."SHOP"."ORDERS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_RETYPE_NOTES" VARCHAR(65535);

UPDATE "LAKE"."SHOP"."ORDERS"
  SET "_SNOWSTAGE_RETYPE_NOTES" = r."NOTES"
  FROM (
    SELECT "_SNOWSTAGE_FILE" AS "_SNOWSTAGE_LANDING_FILE", "_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_LANDING_FILE_ROW", "NOTES"
      FROM "LAKE"."SHOP_RAW"."ORDERS"
      QUALIFY ROW_NUMBER() OVER (PARTITION BY "_SNOWSTAGE_FILE", "_SNOWSTAGE_FILE_ROW" ORDER BY "_SNOWSTAGE_LOADED_AT") = 1
  ) AS r
  WHERE r."_SNOWSTAGE_LANDING_FILE" = "_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_LANDING_FILE_ROW" = "_SNOWSTAGE_FILE_ROW";

EXECUTE IMMEDIATE $$
DECLARE
  rows_without_landing NUMBER;
  landing_rows_missing EXCEPTION (-20102, 'snowstage: rows of "LAKE"."SHOP"."ORDERS" have no landing row in "LAKE"."SHOP_RAW"."ORDERS" to recompute NOTES from (pruned?); nothing was dropped. Re-extract the table with --backfill, let it load, run this again.');
BEGIN
  SELECT COUNT(*) INTO :rows_without_landing
    FROM "LAKE"."SHOP"."ORDERS" AS t
    WHERE NOT EXISTS (
      SELECT 1 FROM "LAKE"."SHOP_RAW"."ORDERS" AS r
      WHERE r."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_FILE_ROW" = t."_SNOWSTAGE_FILE_ROW");
  IF (rows_without_landing > 0) THEN
    RAISE landing_rows_missing;
  END IF;
  RETURN 'every row of "LAKE"."SHOP"."ORDERS" has its landing row';
END;
$$;

ALTER TABLE "LAKE"."SHOP"."ORDERS" DROP COLUMN IF EXISTS "NOTES";

ALTER TABLE "LAKE"."SHOP"."ORDERS" RENAME COLUMN "_SNOWSTAGE_RETYPE_NOTES" TO "NOTES";

-- target column PAYLOAD of orders: VARIANT to VARCHAR, rebuilt. Snowflake cannot change a column's type in place from VARIANT to VARCHAR.
ALTER TABLE "LAKE"."SHOP"."ORDERS" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_RETYPE_PAYLOAD" VARCHAR;

UPDATE "LAKE"."SHOP"."ORDERS"
  SET "_SNOWSTAGE_RETYPE_PAYLOAD" = r."PAYLOAD"
  FROM (
    SELECT "_SNOWSTAGE_FILE" AS "_SNOWSTAGE_LANDING_FILE", "_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_LANDING_FILE_ROW", "PAYLOAD"
      FROM "LAKE"."SHOP_RAW"."ORDERS"
      QUALIFY ROW_NUMBER() OVER (PARTITION BY "_SNOWSTAGE_FILE", "_SNOWSTAGE_FILE_ROW" ORDER BY "_SNOWSTAGE_LOADED_AT") = 1
  ) AS r
  WHERE r."_SNOWSTAGE_LANDING_FILE" = "_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_LANDING_FILE_ROW" = "_SNOWSTAGE_FILE_ROW";

EXECUTE IMMEDIATE $$
DECLARE
  rows_without_landing NUMBER;
  landing_rows_missing EXCEPTION (-20102, 'snowstage: rows of "LAKE"."SHOP"."ORDERS" have no landing row in "LAKE"."SHOP_RAW"."ORDERS" to recompute PAYLOAD from (pruned?); nothing was dropped. Re-extract the table with --backfill, let it load, run this again.');
BEGIN
  SELECT COUNT(*) INTO :rows_without_landing
    FROM "LAKE"."SHOP"."ORDERS" AS t
    WHERE NOT EXISTS (
      SELECT 1 FROM "LAKE"."SHOP_RAW"."ORDERS" AS r
      WHERE r."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_FILE_ROW" = t."_SNOWSTAGE_FILE_ROW");
  IF (rows_without_landing > 0) THEN
    RAISE landing_rows_missing;
  END IF;
  RETURN 'every row of "LAKE"."SHOP"."ORDERS" has its landing row';
END;
$$;

ALTER TABLE "LAKE"."SHOP"."ORDERS" DROP COLUMN IF EXISTS "PAYLOAD";

ALTER TABLE "LAKE"."SHOP"."ORDERS" RENAME COLUMN "_SNOWSTAGE_RETYPE_PAYLOAD" TO "PAYLOAD";

-- Not changed, by design:
-- landing column NOTES of orders: VARCHAR(134217728) to VARCHAR: the landing column keeps VARCHAR(134217728): Snowflake cannot shorten a VARCHAR, and a wider landing column loads the same text.
