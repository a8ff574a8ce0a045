/**
 * Get → merge → Put of the bucket's notification configuration. The merge is pure (notifications.ts); this is
 * the I/O around it. Nothing is written when the merge changes nothing, so a rerun of `apply` makes no AWS change.
 */
import {
  GetBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type MergeResult, mergeNotifications, type WantedNotifications } from './notifications.js';

export type SyncResult = MergeResult & { readonly written: boolean };

export async function readBucketNotifications(
  client: S3Client,
  bucket: string,
): Promise<NotificationConfiguration> {
  const output = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  // Only the configuration itself: the output also carries $metadata, which must not be sent back.
  const configuration: NotificationConfiguration = {};
  if (output.TopicConfigurations !== undefined)
    configuration.TopicConfigurations = output.TopicConfigurations;
  if (output.QueueConfigurations !== undefined)
    configuration.QueueConfigurations = output.QueueConfigurations;
  if (output.LambdaFunctionConfigurations !== undefined) {
    configuration.LambdaFunctionConfigurations = output.LambdaFunctionConfigurations;
  }
  if (output.EventBridgeConfiguration !== undefined) {
    configuration.EventBridgeConfiguration = output.EventBridgeConfiguration;
  }
  return configuration;
}

export async function writeBucketNotifications(
  client: S3Client,
  bucket: string,
  configuration: NotificationConfiguration,
): Promise<void> {
  await client.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: configuration,
    }),
  );
}

/**
 * Read, merge, and write when changed. Between our read and write another tool could change the configuration;
 * S3 offers no conditional write for it, so that window is accepted (apply is run by hand, rarely).
 */
export async function syncBucketNotifications(
  client: S3Client,
  bucket: string,
  wanted: WantedNotifications,
): Promise<SyncResult> {
  const merged = mergeNotifications(await readBucketNotifications(client, bucket), wanted);
  if (!merged.ok || !merged.changed) return { ...merged, written: false };
  await writeBucketNotifications(client, bucket, merged.configuration);
  return { ...merged, written: true };
}
