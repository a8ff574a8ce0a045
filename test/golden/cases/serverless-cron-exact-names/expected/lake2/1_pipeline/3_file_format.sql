-- snowstage pipeline lake2: CSV file format
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Lossless CSV, as the extractor writes it: every non-NULL value enclosed in " (embedded " doubled), NULL an
-- unenclosed empty field, the empty string "", no escape characters, a header row matched by column name.
-- Created once and then altered: a replaced format would stop the pipes that use it.

CREATE FILE FORMAT IF NOT EXISTS "Lake"."Raw Zone"."LAKE2_CSV"
  TYPE = CSV
  COMPRESSION = GZIP
  FIELD_DELIMITER = ','
  RECORD_DELIMITER = '\n'
  PARSE_HEADER = TRUE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  EMPTY_FIELD_AS_NULL = TRUE
  NULL_IF = ()
  SKIP_BLANK_LINES = FALSE
  TRIM_SPACE = FALSE
  ENCODING = 'UTF8'
  REPLACE_INVALID_CHARACTERS = FALSE
  SKIP_BYTE_ORDER_MARK = TRUE
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  BINARY_FORMAT = BASE64
  COMMENT = 'snowstage: lossless CSV written by the extractor of pipeline lake2';

ALTER FILE FORMAT "Lake"."Raw Zone"."LAKE2_CSV" SET
  COMPRESSION = GZIP
  FIELD_DELIMITER = ','
  RECORD_DELIMITER = '\n'
  PARSE_HEADER = TRUE
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  ESCAPE = NONE
  ESCAPE_UNENCLOSED_FIELD = NONE
  EMPTY_FIELD_AS_NULL = TRUE
  NULL_IF = ()
  SKIP_BLANK_LINES = FALSE
  TRIM_SPACE = FALSE
  ENCODING = 'UTF8'
  REPLACE_INVALID_CHARACTERS = FALSE
  SKIP_BYTE_ORDER_MARK = TRUE
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  BINARY_FORMAT = BASE64
  COMMENT = 'snowstage: lossless CSV written by the extractor of pipeline lake2';
