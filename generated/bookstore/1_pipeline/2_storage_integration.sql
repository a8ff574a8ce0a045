-- snowstage pipeline bookstore: storage integration
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Needs CREATE INTEGRATION on the account (ACCOUNTADMIN by default).
-- Never CREATE OR REPLACE an integration: the new one gets a new hidden id, so every stage loses its link, and
-- without a pinned external id a new STORAGE_AWS_EXTERNAL_ID, which breaks the IAM trust policy. Create it
-- once, then ALTER what may safely change.
-- Syntax, clauses in the documented order (TYPE, the S3 cloudProviderParams, ENABLED, locations, COMMENT):
--   CREATE STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration
--   ALTER STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/alter-storage-integration

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
