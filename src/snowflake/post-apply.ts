/**
 * What `apply` does once every statement succeeded: read the integration's AWS identity and print the IAM trust
 * policy the role needs, and read each pipe's notification channel for the bucket notifications. Text builders
 * are pure; reads go through the `SqlClient`. Failures come back as problems (strings safe to print).
 */

import type { NotificationChange } from '../aws/notifications.js';
import { trustPolicy } from '../aws/policies.js';
import { keySnapshotNotification, keySnapshotPipes } from '../model/key-snapshot-pipes.js';
import { snapshotObjects } from '../model/snapshot-objects.js';
import { hasPipe, type PipelineModel, type TableModel } from '../model/types.js';
import { failureOf } from './apply.js';
import { formatFailure } from './apply-report.js';
import type { SqlClient } from './client.js';
import {
  type Described,
  describeIntegration,
  describePipeChannel,
  type IntegrationIdentity,
} from './describe.js';

export const TRUST_POLICY_FILE = 'aws/iam-trust-policy.json';

/** Exactly the text a JSON policy file should hold (same layout as the generated aws/*.json files). */
export function trustPolicyText(model: PipelineModel, identity: IntegrationIdentity): string {
  return `${JSON.stringify(trustPolicy(model, identity), null, 2)}\n`;
}

export async function readIntegration(
  client: SqlClient,
  model: PipelineModel,
): Promise<Described<IntegrationIdentity>> {
  try {
    return await describeIntegration(client, model.snowflake.integration.name);
  } catch (error) {
    return { ok: false, problem: `DESC INTEGRATION failed: ${formatFailure(failureOf(error))}` };
  }
}

/** Channel per table name; every table is described even after a failure, so all problems show at once. */
export async function readPipeChannels(
  client: SqlClient,
  model: PipelineModel,
): Promise<{ channels: Map<string, string>; problems: string[] }> {
  const channels = new Map<string, string>();
  const problems: string[] = [];
  // a table loaded by the Lambda COPY loader has no pipe and no notification of ours
  for (const table of model.tables.filter(hasPipe)) {
    let described: Described<string>;
    try {
      described = await describePipeChannel(client, table.pipe);
    } catch (error) {
      described = { ok: false, problem: `DESC PIPE failed: ${formatFailure(failureOf(error))}` };
    }
    if (described.ok) channels.set(table.name, described.value);
    else problems.push(`table ${table.name}: ${described.problem}`);
    if (table.deleteDetection) await readKeySnapshotChannel(client, table, channels, problems);
    if (table.mode === 'snapshot' && described.ok)
      await checkMarkersChannel(client, table, described.value, problems);
  }
  return { channels, problems };
}

/**
 * A snapshot table's markers pipe watches the data pipe's folder, so it is served by the data pipe's notification
 * (S3 refuses two configurations on one prefix): that works only when Snowflake gave both pipes the same queue.
 */
async function checkMarkersChannel(
  client: SqlClient,
  table: TableModel,
  dataChannel: string,
  problems: string[],
): Promise<void> {
  const markers = snapshotObjects(table).markersPipe;
  let described: Described<string>;
  try {
    described = await describePipeChannel(client, markers);
  } catch (error) {
    described = { ok: false, problem: `DESC PIPE failed: ${formatFailure(failureOf(error))}` };
  }
  if (!described.ok) problems.push(`table ${table.name} (snapshot markers): ${described.problem}`);
  else if (described.value !== dataChannel) {
    problems.push(
      `table ${table.name} (snapshot markers): pipes ${table.pipe.name} and ${markers.name} have different notification channels (${dataChannel}, ${described.value}); one S3 prefix can notify one queue: point ${table.dataKeyPrefix} at both through an SNS topic by hand`,
    );
  }
}

/**
 * Both key-snapshot pipes of a table watch the same `_keys/<table>/` folder, so they share one bucket notification
 * (S3 refuses two configurations on one prefix): that works only when Snowflake gave both the same queue.
 */
async function readKeySnapshotChannel(
  client: SqlClient,
  table: TableModel,
  channels: Map<string, string>,
  problems: string[],
): Promise<void> {
  const pipes = keySnapshotPipes(table);
  const read: string[] = [];
  for (const pipe of [pipes.keys, pipes.markers]) {
    try {
      const described = await describePipeChannel(client, pipe);
      if (!described.ok) {
        problems.push(`table ${table.name} (key snapshots): ${described.problem}`);
        return;
      }
      read.push(described.value);
    } catch (error) {
      problems.push(
        `table ${table.name} (key snapshots): DESC PIPE failed: ${formatFailure(failureOf(error))}`,
      );
      return;
    }
  }
  if (read[0] !== read[1]) {
    problems.push(
      `table ${table.name} (key snapshots): pipes ${pipes.keys.name} and ${pipes.markers.name} have different notification channels (${read.join(', ')}); one S3 prefix can notify one queue: point ${table.keysKeyPrefix} at both through an SNS topic by hand`,
    );
    return;
  }
  channels.set(keySnapshotNotification(table), read[0] as string);
}

/** The policy, how to set it, and what to pin so the committed file stops showing placeholders. */
export function formatTrustPolicy(
  model: PipelineModel,
  identity: IntegrationIdentity,
  committed: string | undefined,
  displayDir: string,
): string {
  const integration = model.snowflake.integration;
  const text = trustPolicyText(model, identity);
  const roleName = integration.awsRoleArn.split('/').pop() ?? integration.awsRoleArn;
  const lines = [
    '',
    `IAM trust policy for role ${integration.awsRoleArn}`,
    `(Snowflake's IAM user and external id from DESC INTEGRATION ${integration.name}):`,
    text.trimEnd(),
    `Save it as trust-policy.json and set it with: aws iam update-assume-role-policy --role-name ${roleName} ` +
      '--policy-document file://trust-policy.json',
  ];
  if (identity.roleArn !== undefined && identity.roleArn !== integration.awsRoleArn) {
    lines.push(
      `warning: the integration uses role ${identity.roleArn}, the metadata says ${integration.awsRoleArn}`,
    );
  }
  if (committed !== text) {
    lines.push(
      `note: ${displayDir}/${TRUST_POLICY_FILE} differs from this policy. To review the real values in pull ` +
        'requests, pin them in pipeline.yaml under snowflake.storage_integration and run `snowstage generate`:',
      `  aws_iam_user_arn: ${identity.iamUserArn}`,
      `  external_id: ${identity.externalId}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatNotificationChanges(
  bucket: string,
  changes: readonly NotificationChange[],
  written: boolean,
): string {
  const lines = [
    '',
    `S3 event notifications on s3://${bucket} (s3:ObjectCreated:* to each pipe's SQS queue):`,
  ];
  for (const change of changes) {
    lines.push(`  ${change.kind.padEnd(9)}  ${change.id}  prefix ${change.prefix}  ->  ${change.queueArn}`);
  }
  lines.push(
    written
      ? '  bucket notification configuration updated (other configurations kept as they were)'
      : '  already up to date: nothing written',
  );
  return `${lines.join('\n')}\n`;
}
