-- snowstage pipeline lake2: storage integration and grants (administrator)
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Administrator file. Run by a role with CREATE INTEGRATION and MANAGE GRANTS (ACCOUNTADMIN by default) with
-- `snowstage apply --grants`: before the first `snowstage apply`, and again whenever this file changes. The
-- routine `snowstage apply` (as role "Lake Loader") never runs it: it needs no account-level privilege.
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

CREATE STORAGE INTEGRATION IF NOT EXISTS "LAKE_INT"
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3GOV'
  STORAGE_AWS_ROLE_ARN = 'arn:aws-us-gov:iam::111122223333:role/lake'
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3gov://bucket.with.dots/', 's3://bucket.with.dots/')
  COMMENT = 'snowstage: S3 access for pipeline lake2';

-- The role ARN is not re-set here: the external id is not pinned, and Snowflake does not document whether
-- setting the role keeps it. Pin storage_integration.external_id in metadata to let snowstage manage the role.
ALTER STORAGE INTEGRATION "LAKE_INT" SET
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3gov://bucket.with.dots/', 's3://bucket.with.dots/');

-- 2. The pipeline role "Lake Loader", which `snowstage apply` connects as and which owns every other object.
-- Create the stage on the integration:
GRANT USAGE ON INTEGRATION "LAKE_INT" TO ROLE "Lake Loader";

-- Create the raw and target schemas (1_pipeline/1_schemas.sql); it then owns them and what it creates in them:
GRANT USAGE ON DATABASE "Lake" TO ROLE "Lake Loader";

GRANT CREATE SCHEMA ON DATABASE "Lake" TO ROLE "Lake Loader";

-- Run the MERGE tasks it owns (checked when a task is resumed; only ACCOUNTADMIN can grant it by default):
GRANT EXECUTE TASK ON ACCOUNT TO ROLE "Lake Loader";

-- The MERGE tasks are serverless (no warehouse in the metadata):
GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE "Lake Loader";

-- Pipes and tasks send their errors to this notification integration (ERROR_INTEGRATION):
GRANT USAGE ON INTEGRATION "Lake Errors" TO ROLE "Lake Loader";

-- Run the alerts it owns (3_monitoring/2_alerts.sql; checked when an alert runs, like EXECUTE TASK):
GRANT EXECUTE ALERT ON ACCOUNT TO ROLE "Lake Loader";

-- The alerts are serverless (no warehouse in the metadata):
GRANT EXECUTE MANAGED ALERT ON ACCOUNT TO ROLE "Lake Loader";

-- The alerts send to this notification integration (SYSTEM$SEND_SNOWFLAKE_NOTIFICATION):
GRANT USAGE ON INTEGRATION "Lake ""Alerts"" $$" TO ROLE "Lake Loader";

-- The alerts call SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME() and GET_CONDITION_QUERY_UUID(), which need it:
GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE "Lake Loader";
