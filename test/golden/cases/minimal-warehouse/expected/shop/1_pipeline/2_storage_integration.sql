-- snowstage pipeline shop: storage integration
-- Generated from pipeline.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Needs CREATE INTEGRATION on the account (ACCOUNTADMIN by default).
-- Never CREATE OR REPLACE an integration: the new one gets a new hidden id, so every stage loses its link, and
-- without a pinned external id a new STORAGE_AWS_EXTERNAL_ID, which breaks the IAM trust policy. Create it
-- once, then ALTER what may safely change.
-- Syntax, clauses in the documented order (TYPE, the S3 cloudProviderParams, ENABLED, locations, COMMENT):
--   CREATE STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration
--   ALTER STORAGE INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/alter-storage-integration

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
