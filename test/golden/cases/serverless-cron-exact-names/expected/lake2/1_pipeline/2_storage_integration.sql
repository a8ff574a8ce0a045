-- snowstage pipeline lake2: storage integration
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Needs CREATE INTEGRATION on the account (ACCOUNTADMIN by default).
-- Never CREATE OR REPLACE an integration: the new one gets a new hidden id, so every stage loses its link, and
-- without a pinned external id a new STORAGE_AWS_EXTERNAL_ID, which breaks the IAM trust policy. Create it
-- once, then ALTER what may safely change.
-- Syntax, clauses in the documented order (TYPE, the S3 cloudProviderParams, ENABLED, locations, COMMENT):
--   CREATE STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration
--   ALTER STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/alter-storage-integration

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
