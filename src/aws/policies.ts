/** IAM policy documents the AWS side needs, derived from the model (reference §1 "AWS side"). */
import { leaseKey } from '../extract/naming.js';
import type { PipelineModel } from '../model/types.js';

type PolicyDocument = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };

export const PLACEHOLDER_IAM_USER =
  '<STORAGE_AWS_IAM_USER_ARN from DESC INTEGRATION (snowstage apply --grants prints it)>';
export const PLACEHOLDER_EXTERNAL_ID =
  '<STORAGE_AWS_EXTERNAL_ID from DESC INTEGRATION (pin it in metadata to fix it here)>';

function partition(roleArn: string): string {
  return roleArn.split(':')[1] ?? 'aws';
}

function bucketArn(model: PipelineModel): string {
  return `arn:${partition(model.snowflake.integration.awsRoleArn)}:s3:::${model.s3.bucket}`;
}

/** Trust policy of the role Snowflake assumes; principal and external id come from DESC INTEGRATION. */
export function trustPolicy(
  model: PipelineModel,
  known: { iamUserArn?: string; externalId?: string } = {},
): PolicyDocument {
  const integration = model.snowflake.integration;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SnowflakeStorageIntegration',
        Effect: 'Allow',
        Principal: { AWS: known.iamUserArn ?? integration.awsIamUserArn ?? PLACEHOLDER_IAM_USER },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: {
            'sts:ExternalId': known.externalId ?? integration.externalId ?? PLACEHOLDER_EXTERNAL_ID,
          },
        },
      },
    ],
  };
}

/**
 * Least privilege for Snowpipe: read the data folder only (no state, no writes, no deletes), plus kms:Decrypt on
 * the bucket's key when its objects are SSE-KMS encrypted (S3 decrypts them for a caller allowed to use the key;
 * nothing is needed for SSE-S3).
 */
export function snowflakePermissionsPolicy(model: PipelineModel): PolicyDocument {
  const dataPrefix = `${model.s3.prefix}data/`;
  const kms =
    model.s3.kmsKeyArn === undefined
      ? []
      : [{ Sid: 'DecryptDataFiles', Effect: 'Allow', Action: 'kms:Decrypt', Resource: model.s3.kmsKeyArn }];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadDataFiles',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: `${bucketArn(model)}/${dataPrefix}*`,
      },
      {
        Sid: 'ListDataFolder',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn(model),
        Condition: { StringLike: { 's3:prefix': [`${dataPrefix}*`] } },
      },
      { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucketArn(model) },
      ...kms,
    ],
  };
}

/**
 * What the extractor's own AWS identity needs, and nothing more. Each statement is one thing the extractor does
 * (src/extract/s3-store.ts, lease.ts, state.ts; test/aws/extractor-policy.test.ts records a real run and checks
 * every request against this document):
 * - CreateDataFiles: PutObject of a data file (single request, or CompleteMultipartUpload) only with
 *   `If-None-Match: *`, so an existing data file can never be replaced (s3:if-none-match, as in S3's "Enforce
 *   conditional writes" examples);
 * - UploadDataFileParts: CreateMultipartUpload and UploadPart, which cannot carry that header
 *   (s3:ObjectCreationOperation false); they create nothing until the conditional CompleteMultipartUpload;
 * - AbortFailedDataUploads: a failed upload is aborted, so its parts do not linger;
 * - ReadWriteExtractorState: state.json (conditional writes), lease.json and run manifests under `_snowstage/`;
 * - ReleaseTableLeases: DeleteObject of each table's lease.json only (state and manifests are never deleted);
 * - ListExtractorStateFolder: S3 answers a read of a missing key with 404 only to a caller allowed to list the
 *   bucket (403 otherwise), and "no state yet" / "no lease" are read as 404s.
 * Not granted: ListBucketMultipartUploads and ListMultipartUploadParts (never called), listing data/.
 */
export function extractorPolicy(model: PipelineModel): PolicyDocument {
  const prefix = model.s3.prefix;
  const dataFiles = `${bucketArn(model)}/${prefix}data/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CreateDataFiles',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: dataFiles,
        Condition: { Null: { 's3:if-none-match': 'false' } },
      },
      {
        Sid: 'UploadDataFileParts',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: dataFiles,
        Condition: { Bool: { 's3:ObjectCreationOperation': 'false' } },
      },
      {
        Sid: 'AbortFailedDataUploads',
        Effect: 'Allow',
        Action: 's3:AbortMultipartUpload',
        Resource: dataFiles,
      },
      {
        Sid: 'ReadWriteExtractorState',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `${bucketArn(model)}/${prefix}_snowstage/*`,
      },
      {
        Sid: 'ReleaseTableLeases',
        Effect: 'Allow',
        Action: 's3:DeleteObject',
        Resource: model.tables.map((table) => `${bucketArn(model)}/${leaseKey(table)}`),
      },
      {
        Sid: 'ListExtractorStateFolder',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn(model),
        Condition: { StringLike: { 's3:prefix': [`${prefix}_snowstage/*`] } },
      },
    ],
  };
}
