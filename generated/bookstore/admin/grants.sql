-- snowstage pipeline bookstore: storage integration and grants (administrator)
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Administrator file. Run by a role with CREATE INTEGRATION and MANAGE GRANTS (ACCOUNTADMIN by default) with
-- `snowstage apply --grants`: before the first `snowstage apply`, and again whenever this file changes. The
-- routine `snowstage apply` (as role "SNOWSTAGE_LOADER") never runs it: it needs no account-level privilege.
-- Syntax, clauses in the documented order:
--   CREATE STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration
--   ALTER STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/alter-storage-integration
--   GRANT <privileges> ... TO ROLE: https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
--   GRANT DATABASE ROLE: https://docs.snowflake.com/en/sql-reference/sql/grant-database-role
--   GRANT OWNERSHIP: https://docs.snowflake.com/en/sql-reference/sql/grant-ownership
--   CREATE SCHEMA: https://docs.snowflake.com/en/sql-reference/sql/create-schema

-- 1. The storage integration.
-- Needs CREATE INTEGRATION on the account, so it lives here and not in the routine apply.
-- Never CREATE OR REPLACE an integration: the new one gets a new hidden id, so every stage loses its link, and
-- without a pinned external id a new STORAGE_AWS_EXTERNAL_ID, which breaks the IAM trust policy. Create it
-- once, then ALTER what may safely change.
-- Clauses: TYPE, the S3 cloudProviderParams, ENABLED, the locations, COMMENT.

CREATE STORAGE INTEGRATION IF NOT EXISTS "SNOWSTAGE_BOOKSTORE_S3"
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/snowstage-bookstore'
  STORAGE_AWS_EXTERNAL_ID = 'snowstage-bookstore-7f3a9c'
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3://snowstage-bookstore/bookstore/')
  COMMENT = 'snowstage: S3 access for pipeline bookstore';

-- The external id is pinned, so re-setting the role keeps the trust policy valid.
ALTER STORAGE INTEGRATION "SNOWSTAGE_BOOKSTORE_S3" SET
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/snowstage-bookstore'
  STORAGE_AWS_EXTERNAL_ID = 'snowstage-bookstore-7f3a9c'
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3://snowstage-bookstore/bookstore/');

-- 2. The pipeline role "SNOWSTAGE_LOADER", which `snowstage apply` connects as and which owns every other object.
-- Create the stage on the integration:
GRANT USAGE ON INTEGRATION "SNOWSTAGE_BOOKSTORE_S3" TO ROLE "SNOWSTAGE_LOADER";

-- Create the raw and target schemas (1_pipeline/1_schemas.sql); it then owns them and what it creates in them:
GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "SNOWSTAGE_LOADER";

GRANT CREATE SCHEMA ON DATABASE "ANALYTICS" TO ROLE "SNOWSTAGE_LOADER";

-- Run the MERGE tasks it owns (checked when a task is resumed; only ACCOUNTADMIN can grant it by default):
GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SNOWSTAGE_LOADER";

-- The MERGE tasks run on this warehouse:
GRANT USAGE ON WAREHOUSE "ETL_WH" TO ROLE "SNOWSTAGE_LOADER";

-- Run the alerts it owns (3_monitoring/2_alerts.sql; checked when an alert runs, like EXECUTE TASK):
GRANT EXECUTE ALERT ON ACCOUNT TO ROLE "SNOWSTAGE_LOADER";

-- The alerts send to this notification integration (SYSTEM$SEND_SNOWFLAKE_NOTIFICATION):
GRANT USAGE ON INTEGRATION "SNOWSTAGE_ALERTS" TO ROLE "SNOWSTAGE_LOADER";

-- The alerts call SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME() and GET_CONDITION_QUERY_UUID(), which need it:
GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE "SNOWSTAGE_LOADER";

-- 3. The monitoring role "ANALYTICS_MONITOR" reads the SNOWSTAGE_* views in "ANALYTICS"."BOOKSTORE_RAW". The views call
-- SYSTEM$PIPE_STATUS, COPY_HISTORY and TASK_HISTORY, which show a pipe or task (in COPY_HISTORY, the pipe's name)
-- only to its owner or a role with MONITOR on it. The schema is created here, so that the grants below can name it,
-- and handed to the pipeline role, which creates every object in it. MONITOR on the pipes is granted by their owner
-- in each 4_pipe.sql: Snowflake allows no bulk (ALL / FUTURE) grants on pipes.
CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."BOOKSTORE_RAW";

GRANT OWNERSHIP ON SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "SNOWSTAGE_LOADER" COPY CURRENT GRANTS;

GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "ANALYTICS_MONITOR";

GRANT USAGE ON SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR";

GRANT MONITOR ON ALL TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR";

GRANT MONITOR ON FUTURE TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR";

GRANT SELECT ON ALL VIEWS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR";

GRANT SELECT ON FUTURE VIEWS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR";
