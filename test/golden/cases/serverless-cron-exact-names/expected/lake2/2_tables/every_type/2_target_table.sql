-- snowstage pipeline lake2: target table of table every_type
-- Generated from pipeline.yaml, tables/every_type.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Target table: typed columns (the type map is in the README), the MERGE key, and the version of the source row
-- each row holds (file and row number), which the MERGE compares so replayed files change nothing. Deleted keys
-- stay as rows flagged _SNOWSTAGE_DELETED = TRUE (tombstones), so an older version arriving later cannot
-- bring them back.
-- Syntax, clauses in the documented order: https://docs.snowflake.com/en/sql-reference/sql/create-table (the table),
-- https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN: "ADD COLUMN operations can be performed on
-- multiple columns in the same command", so one statement adds them all).

CREATE TABLE IF NOT EXISTS "Lake"."CURATED"."EveryType" (
  "PK_A" NUMBER(10,0) NOT NULL, -- MySQL int
  "PK_B" VARCHAR(40) NOT NULL, -- MySQL varchar(40)
  "VERSION" NUMBER(19,0), -- MySQL bigint
  "T_TINY" NUMBER(3,0), -- MySQL tinyint
  "T_TINY_U" NUMBER(3,0), -- MySQL tinyint unsigned
  "T_BOOL_KEPT" NUMBER(3,0), -- MySQL tinyint(1)
  "T_BOOL" BOOLEAN, -- MySQL bool
  "T_SMALL" NUMBER(5,0), -- MySQL smallint
  "T_MEDIUM_U" NUMBER(8,0), -- MySQL mediumint unsigned
  "T_INT_U" NUMBER(10,0), -- MySQL int(10) unsigned
  "T_BIG" NUMBER(19,0), -- MySQL bigint
  "T_BIG_U" NUMBER(20,0), -- MySQL bigint unsigned
  "T_DEC" NUMBER(38,10), -- MySQL decimal(38,10)
  "T_DEC_WIDE" VARCHAR(67), -- MySQL decimal(65,30)
  "T_DEC_WIDE_NUM" NUMBER(38,4), -- MySQL decimal(50,4)
  "T_FLOAT" FLOAT, -- MySQL float
  "T_DOUBLE" FLOAT, -- MySQL double
  "T_YEAR" NUMBER(4,0), -- MySQL year
  "T_BIT1" NUMBER(1,0), -- MySQL bit(1)
  "T_BIT1_BOOL" BOOLEAN, -- MySQL bit(1)
  "T_BIT12" NUMBER(4,0), -- MySQL bit(12)
  "T_BIT64" NUMBER(20,0), -- MySQL bit(64)
  "T_DATE" DATE, -- MySQL date
  "T_DATETIME" TIMESTAMP_NTZ(0), -- MySQL datetime
  "T_DATETIME6" TIMESTAMP_NTZ(6), -- MySQL datetime(6)
  "T_TS" TIMESTAMP_TZ(3), -- MySQL timestamp(3)
  "T_TS_NTZ" TIMESTAMP_NTZ(6), -- MySQL timestamp(6)
  "T_TIME" NUMBER(7,0), -- MySQL time
  "T_TIME6" NUMBER(13,6), -- MySQL time(6)
  "T_TIME_OF_DAY" TIME(3), -- MySQL time(3)
  "T_CHAR" VARCHAR(3), -- MySQL char(3)
  "T_VARCHAR" VARCHAR(1000), -- MySQL varchar(1000)
  "T_TINYTEXT" VARCHAR(255), -- MySQL tinytext
  "T_TEXT" VARCHAR(65535), -- MySQL text
  "T_MEDIUMTEXT" VARCHAR(16777215), -- MySQL mediumtext
  "T_LONGTEXT" VARCHAR(134217728), -- MySQL longtext
  "T_ENUM" VARCHAR(3), -- MySQL enum('a','b''c','d,e','é😀')
  "T_SET" VARCHAR(5), -- MySQL set('x','y','z')
  "T_BINARY" BINARY(16), -- MySQL binary(16)
  "T_VARBINARY" BINARY(255), -- MySQL varbinary(255)
  "T_BLOB" BINARY(65535), -- MySQL blob
  "T_MEDIUMBLOB" BINARY(16777215), -- MySQL mediumblob
  "T_LONGBLOB" BINARY(67108864), -- MySQL longblob
  "T_JSON" VARIANT, -- MySQL json
  "T_JSON_TEXT" VARCHAR, -- MySQL json
  "T_GEO" VARCHAR, -- MySQL geometry
  "REMOVED" NUMBER(3,0), -- MySQL tinyint(1)
  "_SNOWSTAGE_FILE" VARCHAR, -- file the row version came from
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0), -- row number in that file
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9), -- when the MERGE wrote it
  "_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE, -- TRUE: the newest version is a delete (a tombstone)
  PRIMARY KEY ("PK_A", "PK_B")
)
  COMMENT = 'snowstage: MySQL table EveryType, merged from EveryType landing rows';

-- Columns added to the metadata later, in one statement; each is a no-op on a table that already has it, whatever
-- its type (a changed type is a migration `snowstage generate` writes). New columns are nullable: rows merged
-- before the column existed have no value for it. No DEFAULT here: the page above refuses IF NOT EXISTS together
-- with DEFAULT, and every reader of _SNOWSTAGE_DELETED takes NULL as FALSE.
ALTER TABLE "Lake"."CURATED"."EveryType" ADD COLUMN IF NOT EXISTS
  "PK_A" NUMBER(10,0),
  "PK_B" VARCHAR(40),
  "VERSION" NUMBER(19,0),
  "T_TINY" NUMBER(3,0),
  "T_TINY_U" NUMBER(3,0),
  "T_BOOL_KEPT" NUMBER(3,0),
  "T_BOOL" BOOLEAN,
  "T_SMALL" NUMBER(5,0),
  "T_MEDIUM_U" NUMBER(8,0),
  "T_INT_U" NUMBER(10,0),
  "T_BIG" NUMBER(19,0),
  "T_BIG_U" NUMBER(20,0),
  "T_DEC" NUMBER(38,10),
  "T_DEC_WIDE" VARCHAR(67),
  "T_DEC_WIDE_NUM" NUMBER(38,4),
  "T_FLOAT" FLOAT,
  "T_DOUBLE" FLOAT,
  "T_YEAR" NUMBER(4,0),
  "T_BIT1" NUMBER(1,0),
  "T_BIT1_BOOL" BOOLEAN,
  "T_BIT12" NUMBER(4,0),
  "T_BIT64" NUMBER(20,0),
  "T_DATE" DATE,
  "T_DATETIME" TIMESTAMP_NTZ(0),
  "T_DATETIME6" TIMESTAMP_NTZ(6),
  "T_TS" TIMESTAMP_TZ(3),
  "T_TS_NTZ" TIMESTAMP_NTZ(6),
  "T_TIME" NUMBER(7,0),
  "T_TIME6" NUMBER(13,6),
  "T_TIME_OF_DAY" TIME(3),
  "T_CHAR" VARCHAR(3),
  "T_VARCHAR" VARCHAR(1000),
  "T_TINYTEXT" VARCHAR(255),
  "T_TEXT" VARCHAR(65535),
  "T_MEDIUMTEXT" VARCHAR(16777215),
  "T_LONGTEXT" VARCHAR(134217728),
  "T_ENUM" VARCHAR(3),
  "T_SET" VARCHAR(5),
  "T_BINARY" BINARY(16),
  "T_VARBINARY" BINARY(255),
  "T_BLOB" BINARY(65535),
  "T_MEDIUMBLOB" BINARY(16777215),
  "T_LONGBLOB" BINARY(67108864),
  "T_JSON" VARIANT,
  "T_JSON_TEXT" VARCHAR,
  "T_GEO" VARCHAR,
  "REMOVED" NUMBER(3,0),
  "_SNOWSTAGE_FILE" VARCHAR,
  "_SNOWSTAGE_FILE_ROW" NUMBER(38,0),
  "_SNOWSTAGE_MERGED_AT" TIMESTAMP_LTZ(9),
  "_SNOWSTAGE_DELETED" BOOLEAN;
