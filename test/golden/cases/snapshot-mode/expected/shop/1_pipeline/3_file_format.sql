-- snowstage pipeline shop: CSV file format
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Lossless CSV, as the extractor writes it: every non-NULL value enclosed in " (embedded " doubled), NULL an
-- unenclosed empty field, the empty string "", no escape characters, a header row naming the columns.
-- Two formats that differ only in the header option: PARSE_HEADER is accepted only with MATCH_BY_COLUMN_NAME or
-- INFER_SCHEMA, so it belongs to the pipes' COPY; the stage's default format skips the header instead, so that
-- `SELECT $1 FROM @stage` works.
-- Created once and then altered: a replaced format would stop the pipes that use it.
-- Syntax, options in the documented order (TYPE, the CSV formatTypeOptions, COMMENT):
--   CREATE FILE FORMAT: https://docs.snowflake.com/en/sql-reference/sql/create-file-format
--   ALTER FILE FORMAT: https://docs.snowflake.com/en/sql-reference/sql/alter-file-format

-- "LAKE"."SHOP_RAW"."SHOP_CSV": the pipes' COPY (columns matched by the header row).
CREATE FILE FORMAT IF NOT EXISTS "LAKE"."SHOP_RAW"."SHOP_CSV"
  TYPE = CSV
  COMPRESSION = GZIP
  RECORD_DELIMITER = '\n'
  FIELD_DELIMITER = ','
  PARSE_HEADER = TRUE
  SKIP_BLANK_LINES = FALSE
  BINARY_FORMAT = BASE64
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  TRIM_SPACE = FALSE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  NULL_IF = ()
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  REPLACE_INVALID_CHARACTERS = FALSE
  EMPTY_FIELD_AS_NULL = TRUE
  SKIP_BYTE_ORDER_MARK = TRUE
  ENCODING = 'UTF8'
  COMMENT = 'snowstage: lossless CSV written by the extractor of pipeline shop, read by its pipes';

ALTER FILE FORMAT "LAKE"."SHOP_RAW"."SHOP_CSV" SET
  COMPRESSION = GZIP
  RECORD_DELIMITER = '\n'
  FIELD_DELIMITER = ','
  PARSE_HEADER = TRUE
  SKIP_BLANK_LINES = FALSE
  BINARY_FORMAT = BASE64
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  TRIM_SPACE = FALSE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  NULL_IF = ()
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  REPLACE_INVALID_CHARACTERS = FALSE
  EMPTY_FIELD_AS_NULL = TRUE
  SKIP_BYTE_ORDER_MARK = TRUE
  ENCODING = 'UTF8'
  COMMENT = 'snowstage: lossless CSV written by the extractor of pipeline shop, read by its pipes';

-- "LAKE"."SHOP_RAW"."SHOP_CSV_QUERY": the stage's default, for ad-hoc queries of staged files (header row skipped).
CREATE FILE FORMAT IF NOT EXISTS "LAKE"."SHOP_RAW"."SHOP_CSV_QUERY"
  TYPE = CSV
  COMPRESSION = GZIP
  RECORD_DELIMITER = '\n'
  FIELD_DELIMITER = ','
  SKIP_HEADER = 1
  SKIP_BLANK_LINES = FALSE
  BINARY_FORMAT = BASE64
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  TRIM_SPACE = FALSE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  NULL_IF = ()
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  REPLACE_INVALID_CHARACTERS = FALSE
  EMPTY_FIELD_AS_NULL = TRUE
  SKIP_BYTE_ORDER_MARK = TRUE
  ENCODING = 'UTF8'
  COMMENT = 'snowstage: staged files of pipeline shop for ad-hoc queries (header skipped)';

ALTER FILE FORMAT "LAKE"."SHOP_RAW"."SHOP_CSV_QUERY" SET
  COMPRESSION = GZIP
  RECORD_DELIMITER = '\n'
  FIELD_DELIMITER = ','
  SKIP_HEADER = 1
  SKIP_BLANK_LINES = FALSE
  BINARY_FORMAT = BASE64
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  TRIM_SPACE = FALSE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  NULL_IF = ()
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  REPLACE_INVALID_CHARACTERS = FALSE
  EMPTY_FIELD_AS_NULL = TRUE
  SKIP_BYTE_ORDER_MARK = TRUE
  ENCODING = 'UTF8'
  COMMENT = 'snowstage: staged files of pipeline shop for ad-hoc queries (header skipped)';
