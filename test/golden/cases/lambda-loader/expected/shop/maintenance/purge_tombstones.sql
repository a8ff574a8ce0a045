-- snowstage pipeline shop: purge of old tombstones (run only by apply --purge-tombstones)
-- Generated from pipeline.yaml, tables/accounts.yaml, tables/currencies.yaml, tables/customers.yaml, tables/order_lines.yaml, tables/orders.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Purge of old tombstones. Never part of a normal apply; run it deliberately with
-- `snowstage apply --purge-tombstones`.
-- The MERGE keeps every deleted key as a row flagged _SNOWSTAGE_DELETED = TRUE so that an older version loaded
-- later cannot bring it back. Such a version comes from a file written before the delete was merged. Snowpipe
-- processes a file's notification up to 14 days late (older ones best-effort only; its load history, which
-- stops a second load, also lasts 14 days), and a pipe REFRESH re-queues files staged in the last 7 days. A
-- tombstone merged longer ago than the table's tombstone_retention_days (at least 14) is past both windows and
-- may go. Reloading older files by hand after a purge brings their deleted keys back: reload only files written
-- after the purge horizon.
-- Syntax: https://docs.snowflake.com/en/sql-reference/sql/delete

-- table accounts: tombstones merged more than 14 days ago
DELETE FROM "LAKE"."SHOP"."ACCOUNTS"
WHERE "_SNOWSTAGE_DELETED" = TRUE
  AND "_SNOWSTAGE_MERGED_AT" < DATEADD(DAY, -14, CURRENT_TIMESTAMP);

-- table currencies: tombstones merged more than 14 days ago
DELETE FROM "LAKE"."SHOP"."CURRENCIES"
WHERE "_SNOWSTAGE_DELETED" = TRUE
  AND "_SNOWSTAGE_MERGED_AT" < DATEADD(DAY, -14, CURRENT_TIMESTAMP);

-- table customers: tombstones merged more than 14 days ago
DELETE FROM "LAKE"."SHOP"."CUSTOMERS"
WHERE "_SNOWSTAGE_DELETED" = TRUE
  AND "_SNOWSTAGE_MERGED_AT" < DATEADD(DAY, -14, CURRENT_TIMESTAMP);

-- table order_lines: tombstones merged more than 14 days ago
DELETE FROM "LAKE"."SHOP"."ORDER_LINES"
WHERE "_SNOWSTAGE_DELETED" = TRUE
  AND "_SNOWSTAGE_MERGED_AT" < DATEADD(DAY, -14, CURRENT_TIMESTAMP);

-- table orders: tombstones merged more than 14 days ago
DELETE FROM "LAKE"."SHOP"."ORDERS"
WHERE "_SNOWSTAGE_DELETED" = TRUE
  AND "_SNOWSTAGE_MERGED_AT" < DATEADD(DAY, -14, CURRENT_TIMESTAMP);
