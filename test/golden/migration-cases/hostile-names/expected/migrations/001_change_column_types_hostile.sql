-- snowstage pipeline lake2: migration 001
-- Generated from the table files named below. Do not edit: change the metadata and run `snowstage generate`.
-- MIGRATION 001: change column types of hostile.
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
-- Run it once, deliberately, BEFORE the next `snowstage apply`: `snowstage apply --migration 001_change_column_types_hostile`.
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

-- Table hostile. Suspend its MERGE task while its target columns are rebuilt.
ALTER TASK IF EXISTS "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --_MERGE" SUSPEND;

-- target column IT'S\TIME of hostile: TIMESTAMP_NTZ(6) to TIMESTAMP_NTZ(3), rebuilt. Snowflake cannot change a column's type in place from TIMESTAMP_NTZ(6) to TIMESTAMP_NTZ(3).
ALTER TABLE "Lake"."CURATED"."We'ird""; DROP TABLE y; --" ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_RETYPE_IT'S\TIME" TIMESTAMP_NTZ(3);

UPDATE "Lake"."CURATED"."We'ird""; DROP TABLE y; --"
  SET "_SNOWSTAGE_RETYPE_IT'S\TIME" = TO_TIMESTAMP_NTZ(r."IT'S\TIME", 'YYYY-MM-DD HH24:MI:SS.FF6')
  FROM (
    SELECT "_SNOWSTAGE_FILE" AS "_SNOWSTAGE_LANDING_FILE", "_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_LANDING_FILE_ROW", "IT'S\TIME"
      FROM "Lake"."Raw $$ Zone"."We'ird""; DROP TABLE y; --"
      QUALIFY ROW_NUMBER() OVER (PARTITION BY "_SNOWSTAGE_FILE", "_SNOWSTAGE_FILE_ROW" ORDER BY "_SNOWSTAGE_LOADED_AT") = 1
  ) AS r
  WHERE r."_SNOWSTAGE_LANDING_FILE" = "_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_LANDING_FILE_ROW" = "_SNOWSTAGE_FILE_ROW";

EXECUTE IMMEDIATE '\nDECLARE\n  rows_without_landing NUMBER;\n  landing_rows_missing EXCEPTION (-20102, ''snowstage: rows of "Lake"."CURATED"."We''''ird""; DROP TABLE y; --" have no landing row in "Lake"."Raw $$ Zone"."We''''ird""; DROP TABLE y; --" to recompute IT''''S\\\\TIME from (pruned?); nothing was dropped. Re-extract the table with --backfill, let it load, run this again.'');\nBEGIN\n  SELECT COUNT(*) INTO :rows_without_landing\n    FROM "Lake"."CURATED"."We''ird""; DROP TABLE y; --" AS t\n    WHERE NOT EXISTS (\n      SELECT 1 FROM "Lake"."Raw $$ Zone"."We''ird""; DROP TABLE y; --" AS r\n      WHERE r."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_FILE_ROW" = t."_SNOWSTAGE_FILE_ROW");\n  IF (rows_without_landing > 0) THEN\n    RAISE landing_rows_missing;\n  END IF;\n  RETURN ''every row of "Lake"."CURATED"."We''''ird""; DROP TABLE y; --" has its landing row'';\nEND;\n';

ALTER TABLE "Lake"."CURATED"."We'ird""; DROP TABLE y; --" DROP COLUMN IF EXISTS "IT'S\TIME";

ALTER TABLE "Lake"."CURATED"."We'ird""; DROP TABLE y; --" RENAME COLUMN "_SNOWSTAGE_RETYPE_IT'S\TIME" TO "IT'S\TIME";
