/** IAM policy documents the AWS side needs, derived from the model (reference §1 "AWS side"). */
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

/** What the extractor's own AWS identity needs: write data files, read and write its state, leases and manifests. */
export function extractorPolicy(model: PipelineModel): PolicyDocument {
  const prefix = model.s3.prefix;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteDataFiles',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: `${bucketArn(model)}/${prefix}data/*`,
      },
      {
        Sid: 'ManageExtractorState',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: `${bucketArn(model)}/${prefix}_snowstage/*`,
      },
      {
        Sid: 'ListPipelineFolders',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        Resource: bucketArn(model),
        Condition: { StringLike: { 's3:prefix': [`${prefix}data/*`, `${prefix}_snowstage/*`] } },
      },
    ],
  };
}
