-- snowstage pipeline lake2: MERGE task of table every_type
-- Generated from pipeline.yaml, tables/every_type.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- MERGE task: folds new landing rows into the target table.
-- * Versions of a key are ordered by (version cursor, file, row). For a DATE, DATETIME or TIMESTAMP cursor the
--   version cursor is the cursor, but no later than the start of the run that read the version
--   (_SNOWSTAGE_READ_AT, from the run id that starts the file name, in the cursor's type and clock): a cursor
--   later than that lay in the future when read, and the row's next update, stamped with the real time, must
--   still win. Cursors the window reads are never later than it. A numeric cursor has no clock: it is its own.
-- * The source keeps one row per key, the newest version, because Snowpipe may deliver a file twice, load files
--   out of order, and a key may repeat within a batch (a MERGE with two source rows for one target row fails).
-- * A row is applied only when its version is newer than the target's, in the same order, so replays change
--   nothing. A NULL cursor is the oldest version, in the QUALIFY and in the comparison alike.
-- * Deleted rows (hard deletes the extractor marks with _SNOWSTAGE_OP = 'D' or removed is true) are kept as tombstones: the row is written with
--   _SNOWSTAGE_DELETED = TRUE and its version, so an older version loaded later (out of order, a pipe REFRESH, a
--   reload) is not newer and cannot bring the key back. A delete of an unknown key inserts its tombstone; a newer
--   version that is not deleted clears the flag (un-delete). Only an explicit purge removes tombstones.
-- A standalone task must be suspended before it is changed; CREATE OR ALTER keeps its run history.
-- Failures: a failed run is retried 1 time; the task is never suspended for failing; errors go to notification integration Lake Errors.
-- Syntax, clauses in the documented order (properties, then WHEN, then AS):
--   ALTER TASK ... SUSPEND / RESUME: https://docs.snowflake.com/en/sql-reference/sql/alter-task
--   CREATE OR ALTER TASK: https://docs.snowflake.com/en/sql-reference/sql/create-task
--   MERGE: https://docs.snowflake.com/en/sql-reference/sql/merge

ALTER TASK IF EXISTS "Lake"."Raw Zone"."EveryType_MERGE" SUSPEND;

CREATE OR ALTER TASK "Lake"."Raw Zone"."EveryType_MERGE"
  USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'
  SCHEDULE = 'USING CRON 30 2 * * 1-5 America/New_York'
  SUSPEND_TASK_AFTER_NUM_FAILURES = 0
  ERROR_INTEGRATION = "Lake Errors"
  COMMENT = 'snowstage: merges EveryType_STREAM into EveryType'
  TASK_AUTO_RETRY_ATTEMPTS = 1
  WHEN SYSTEM$STREAM_HAS_DATA('"Lake"."Raw Zone"."EveryType_STREAM"')
  AS
MERGE INTO "Lake"."CURATED"."EveryType" AS t
USING (
  SELECT *
  FROM (
    SELECT
      TO_NUMBER(r."PK_A", 10, 0) AS "PK_A",
      r."PK_B" AS "PK_B",
      TO_NUMBER(r."VERSION", 19, 0) AS "VERSION",
      TO_NUMBER(r."T_TINY", 3, 0) AS "T_TINY",
      TO_NUMBER(r."T_TINY_U", 3, 0) AS "T_TINY_U",
      TO_NUMBER(r."T_BOOL_KEPT", 3, 0) AS "T_BOOL_KEPT",
      TO_BOOLEAN(TO_NUMBER(r."T_BOOL", 20, 0)) AS "T_BOOL",
      TO_NUMBER(r."T_SMALL", 5, 0) AS "T_SMALL",
      TO_NUMBER(r."T_MEDIUM_U", 8, 0) AS "T_MEDIUM_U",
      TO_NUMBER(r."T_INT_U", 10, 0) AS "T_INT_U",
      TO_NUMBER(r."T_BIG", 19, 0) AS "T_BIG",
      TO_NUMBER(r."T_BIG_U", 20, 0) AS "T_BIG_U",
      TO_NUMBER(r."T_DEC", 38, 10) AS "T_DEC",
      r."T_DEC_WIDE" AS "T_DEC_WIDE",
      TO_NUMBER(r."T_DEC_WIDE_NUM", 38, 4) AS "T_DEC_WIDE_NUM",
      TO_DOUBLE(r."T_FLOAT") AS "T_FLOAT",
      TO_DOUBLE(r."T_DOUBLE") AS "T_DOUBLE",
      TO_NUMBER(r."T_YEAR", 4, 0) AS "T_YEAR",
      TO_NUMBER(r."T_BIT1", 1, 0) AS "T_BIT1",
      TO_BOOLEAN(TO_NUMBER(r."T_BIT1_BOOL", 20, 0)) AS "T_BIT1_BOOL",
      TO_NUMBER(r."T_BIT12", 4, 0) AS "T_BIT12",
      TO_NUMBER(r."T_BIT64", 20, 0) AS "T_BIT64",
      TO_DATE(r."T_DATE", 'YYYY-MM-DD') AS "T_DATE",
      TO_TIMESTAMP_NTZ(r."T_DATETIME", 'YYYY-MM-DD HH24:MI:SS.FF6') AS "T_DATETIME",
      TO_TIMESTAMP_NTZ(r."T_DATETIME6", 'YYYY-MM-DD HH24:MI:SS.FF6') AS "T_DATETIME6",
      TO_TIMESTAMP_TZ(r."T_TS", 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM') AS "T_TS",
      TO_TIMESTAMP_NTZ(r."T_TS_NTZ", 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM') AS "T_TS_NTZ",
      TO_NUMBER(r."T_TIME", 7, 0) AS "T_TIME",
      TO_NUMBER(r."T_TIME6", 13, 6) AS "T_TIME6",
      TO_TIME(r."T_TIME_OF_DAY", 'HH24:MI:SS.FF6') AS "T_TIME_OF_DAY",
      r."T_CHAR" AS "T_CHAR",
      r."T_VARCHAR" AS "T_VARCHAR",
      r."T_TINYTEXT" AS "T_TINYTEXT",
      r."T_TEXT" AS "T_TEXT",
      r."T_MEDIUMTEXT" AS "T_MEDIUMTEXT",
      r."T_LONGTEXT" AS "T_LONGTEXT",
      r."T_ENUM" AS "T_ENUM",
      r."T_SET" AS "T_SET",
      TO_BINARY(r."T_BINARY", 'BASE64') AS "T_BINARY",
      TO_BINARY(r."T_VARBINARY", 'BASE64') AS "T_VARBINARY",
      TO_BINARY(r."T_BLOB", 'BASE64') AS "T_BLOB",
      TO_BINARY(r."T_MEDIUMBLOB", 'BASE64') AS "T_MEDIUMBLOB",
      TO_BINARY(r."T_LONGBLOB", 'BASE64') AS "T_LONGBLOB",
      PARSE_JSON(r."T_JSON", 'd') AS "T_JSON",
      r."T_JSON_TEXT" AS "T_JSON_TEXT",
      r."T_GEO" AS "T_GEO",
      TO_NUMBER(r."REMOVED", 3, 0) AS "REMOVED",
      r."_SNOWSTAGE_OP" AS "_SNOWSTAGE_OP",
      r."_SNOWSTAGE_FILE" AS "_SNOWSTAGE_FILE",
      r."_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_FILE_ROW"
    FROM "Lake"."Raw Zone"."EveryType_STREAM" AS r
  ) AS c
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY c."PK_A", c."PK_B"
    ORDER BY c."VERSION" DESC NULLS LAST, c."_SNOWSTAGE_FILE" DESC, c."_SNOWSTAGE_FILE_ROW" DESC
  ) = 1
) AS s
ON t."PK_A" = s."PK_A" AND t."PK_B" = s."PK_B"
WHEN MATCHED AND (
    s."VERSION" > t."VERSION"
    OR (s."VERSION" IS NOT NULL AND t."VERSION" IS NULL)
    OR (s."VERSION" IS NOT DISTINCT FROM t."VERSION" AND (s."_SNOWSTAGE_FILE" > t."_SNOWSTAGE_FILE" OR (s."_SNOWSTAGE_FILE" = t."_SNOWSTAGE_FILE" AND s."_SNOWSTAGE_FILE_ROW" > t."_SNOWSTAGE_FILE_ROW") OR t."_SNOWSTAGE_FILE" IS NULL))
  ) THEN UPDATE SET
  "VERSION" = s."VERSION",
  "T_TINY" = s."T_TINY",
  "T_TINY_U" = s."T_TINY_U",
  "T_BOOL_KEPT" = s."T_BOOL_KEPT",
  "T_BOOL" = s."T_BOOL",
  "T_SMALL" = s."T_SMALL",
  "T_MEDIUM_U" = s."T_MEDIUM_U",
  "T_INT_U" = s."T_INT_U",
  "T_BIG" = s."T_BIG",
  "T_BIG_U" = s."T_BIG_U",
  "T_DEC" = s."T_DEC",
  "T_DEC_WIDE" = s."T_DEC_WIDE",
  "T_DEC_WIDE_NUM" = s."T_DEC_WIDE_NUM",
  "T_FLOAT" = s."T_FLOAT",
  "T_DOUBLE" = s."T_DOUBLE",
  "T_YEAR" = s."T_YEAR",
  "T_BIT1" = s."T_BIT1",
  "T_BIT1_BOOL" = s."T_BIT1_BOOL",
  "T_BIT12" = s."T_BIT12",
  "T_BIT64" = s."T_BIT64",
  "T_DATE" = s."T_DATE",
  "T_DATETIME" = s."T_DATETIME",
  "T_DATETIME6" = s."T_DATETIME6",
  "T_TS" = s."T_TS",
  "T_TS_NTZ" = s."T_TS_NTZ",
  "T_TIME" = s."T_TIME",
  "T_TIME6" = s."T_TIME6",
  "T_TIME_OF_DAY" = s."T_TIME_OF_DAY",
  "T_CHAR" = s."T_CHAR",
  "T_VARCHAR" = s."T_VARCHAR",
  "T_TINYTEXT" = s."T_TINYTEXT",
  "T_TEXT" = s."T_TEXT",
  "T_MEDIUMTEXT" = s."T_MEDIUMTEXT",
  "T_LONGTEXT" = s."T_LONGTEXT",
  "T_ENUM" = s."T_ENUM",
  "T_SET" = s."T_SET",
  "T_BINARY" = s."T_BINARY",
  "T_VARBINARY" = s."T_VARBINARY",
  "T_BLOB" = s."T_BLOB",
  "T_MEDIUMBLOB" = s."T_MEDIUMBLOB",
  "T_LONGBLOB" = s."T_LONGBLOB",
  "T_JSON" = s."T_JSON",
  "T_JSON_TEXT" = s."T_JSON_TEXT",
  "T_GEO" = s."T_GEO",
  "REMOVED" = s."REMOVED",
  "_SNOWSTAGE_FILE" = s."_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW" = s."_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT" = CURRENT_TIMESTAMP,
  "_SNOWSTAGE_DELETED" = (COALESCE(s."_SNOWSTAGE_OP" = 'D', FALSE) OR COALESCE(s."REMOVED" <> 0, FALSE))
WHEN NOT MATCHED THEN INSERT (
  "PK_A",
  "PK_B",
  "VERSION",
  "T_TINY",
  "T_TINY_U",
  "T_BOOL_KEPT",
  "T_BOOL",
  "T_SMALL",
  "T_MEDIUM_U",
  "T_INT_U",
  "T_BIG",
  "T_BIG_U",
  "T_DEC",
  "T_DEC_WIDE",
  "T_DEC_WIDE_NUM",
  "T_FLOAT",
  "T_DOUBLE",
  "T_YEAR",
  "T_BIT1",
  "T_BIT1_BOOL",
  "T_BIT12",
  "T_BIT64",
  "T_DATE",
  "T_DATETIME",
  "T_DATETIME6",
  "T_TS",
  "T_TS_NTZ",
  "T_TIME",
  "T_TIME6",
  "T_TIME_OF_DAY",
  "T_CHAR",
  "T_VARCHAR",
  "T_TINYTEXT",
  "T_TEXT",
  "T_MEDIUMTEXT",
  "T_LONGTEXT",
  "T_ENUM",
  "T_SET",
  "T_BINARY",
  "T_VARBINARY",
  "T_BLOB",
  "T_MEDIUMBLOB",
  "T_LONGBLOB",
  "T_JSON",
  "T_JSON_TEXT",
  "T_GEO",
  "REMOVED",
  "_SNOWSTAGE_FILE",
  "_SNOWSTAGE_FILE_ROW",
  "_SNOWSTAGE_MERGED_AT",
  "_SNOWSTAGE_DELETED"
) VALUES (
  s."PK_A",
  s."PK_B",
  s."VERSION",
  s."T_TINY",
  s."T_TINY_U",
  s."T_BOOL_KEPT",
  s."T_BOOL",
  s."T_SMALL",
  s."T_MEDIUM_U",
  s."T_INT_U",
  s."T_BIG",
  s."T_BIG_U",
  s."T_DEC",
  s."T_DEC_WIDE",
  s."T_DEC_WIDE_NUM",
  s."T_FLOAT",
  s."T_DOUBLE",
  s."T_YEAR",
  s."T_BIT1",
  s."T_BIT1_BOOL",
  s."T_BIT12",
  s."T_BIT64",
  s."T_DATE",
  s."T_DATETIME",
  s."T_DATETIME6",
  s."T_TS",
  s."T_TS_NTZ",
  s."T_TIME",
  s."T_TIME6",
  s."T_TIME_OF_DAY",
  s."T_CHAR",
  s."T_VARCHAR",
  s."T_TINYTEXT",
  s."T_TEXT",
  s."T_MEDIUMTEXT",
  s."T_LONGTEXT",
  s."T_ENUM",
  s."T_SET",
  s."T_BINARY",
  s."T_VARBINARY",
  s."T_BLOB",
  s."T_MEDIUMBLOB",
  s."T_LONGBLOB",
  s."T_JSON",
  s."T_JSON_TEXT",
  s."T_GEO",
  s."REMOVED",
  s."_SNOWSTAGE_FILE",
  s."_SNOWSTAGE_FILE_ROW",
  CURRENT_TIMESTAMP,
  (COALESCE(s."_SNOWSTAGE_OP" = 'D', FALSE) OR COALESCE(s."REMOVED" <> 0, FALSE))
);

ALTER TASK "Lake"."Raw Zone"."EveryType_MERGE" RESUME;
