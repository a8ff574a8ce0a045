-- snowstage pipeline shop: storage integration and grants (administrator)
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Administrator file. Run by a role with CREATE INTEGRATION and MANAGE GRANTS (ACCOUNTADMIN by default) with
-- `snowstage apply --grants`: before the first `snowstage apply`, and again whenever this file changes. The
-- routine `snowstage apply` (as the role it connects with) never runs it: it needs no account-level privilege.
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

CREATE STORAGE INTEGRATION IF NOT EXISTS "SHOP_S3"
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::111122223333:role/shop-snowflake'
  STORAGE_AWS_EXTERNAL_ID = 'shop-ext-1'
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3://shop-lake/mysql/shop/')
  COMMENT = 'snowstage: S3 access for pipeline shop';

-- The external id is pinned, so re-setting the role keeps the trust policy valid.
ALTER STORAGE INTEGRATION "SHOP_S3" SET
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::111122223333:role/shop-snowflake'
  STORAGE_AWS_EXTERNAL_ID = 'shop-ext-1'
  ENABLED = TRUE
  STORAGE_ALLOWED_LOCATIONS = ('s3://shop-lake/mysql/shop/');

-- 2. snowflake.role is not set in the metadata, so this file cannot name the role `snowstage apply` connects as.
-- Set it and run `snowstage generate` to get its grants (USAGE on the integration and the database, CREATE SCHEMA,
-- EXECUTE TASK, and USAGE on the warehouse or EXECUTE MANAGED TASK).
