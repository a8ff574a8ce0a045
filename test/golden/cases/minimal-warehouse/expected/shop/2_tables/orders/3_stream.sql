-- snowstage pipeline shop: stream of table orders
-- Generated from pipeline.yaml, tables/orders.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Append-only stream: the MERGE task's only consumer of new landing rows. Created before the pipe so that no
-- loaded row predates it. Never replaced: a replaced stream forgets its offset and loses unmerged rows.

CREATE STREAM IF NOT EXISTS "LAKE"."SHOP_RAW"."ORDERS_STREAM"
  ON TABLE "LAKE"."SHOP_RAW"."ORDERS"
  APPEND_ONLY = TRUE
  COMMENT = 'snowstage: new landing rows for the MERGE task of orders';
