-- snowstage pipeline shop: schemas
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Landing objects (stage, file format, landing tables, pipes, streams, tasks, monitoring views) live in the raw
-- schema; merged tables in the target schema.
-- Syntax: CREATE SCHEMA: https://docs.snowflake.com/en/sql-reference/sql/create-schema

CREATE SCHEMA IF NOT EXISTS "LAKE"."SHOP_RAW";

CREATE SCHEMA IF NOT EXISTS "LAKE"."SHOP";
