/**
 * What `apply` reads back from Snowflake after the DDL ran: the storage integration's AWS identity (for the IAM
 * trust policy) and each pipe's notification channel (for the S3 bucket notifications). SQL builders and row
 * readers are pure; `describeIntegration` / `describePipeChannel` are the thin I/O around them.
 */
import type { QualifiedName } from '../model/types.js';
import { identifier, qualified } from '../sql/quote.js';
import type { SqlClient } from './client.js';

export interface IntegrationIdentity {
  /** STORAGE_AWS_IAM_USER_ARN: Snowflake's IAM user, the principal the role must trust */
  readonly iamUserArn: string;
  /** STORAGE_AWS_EXTERNAL_ID: the sts:ExternalId condition */
  readonly externalId: string;
  /** STORAGE_AWS_ROLE_ARN as Snowflake has it */
  readonly roleArn: string | undefined;
}

export type Described<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

export function describeIntegrationSql(name: string): string {
  return `DESC INTEGRATION ${identifier(name)}`;
}

export function describePipeSql(pipe: QualifiedName): string {
  return `DESC PIPE ${qualified(pipe)}`;
}

/** DESC INTEGRATION answers one row per property: `property | property_type | property_value | property_default`. */
export function readIntegrationIdentity(
  rows: readonly Record<string, unknown>[],
): Described<IntegrationIdentity> {
  const properties = new Map<string, string>();
  for (const row of rows) {
    const name = cell(row, 'property');
    const value = cell(row, 'property_value');
    if (name !== undefined && value !== undefined) properties.set(name.toUpperCase(), value);
  }
  const iamUserArn = properties.get('STORAGE_AWS_IAM_USER_ARN');
  const externalId = properties.get('STORAGE_AWS_EXTERNAL_ID');
  const missing = [
    ...(iamUserArn ? [] : ['STORAGE_AWS_IAM_USER_ARN']),
    ...(externalId ? [] : ['STORAGE_AWS_EXTERNAL_ID']),
  ];
  if (!iamUserArn || !externalId) {
    return { ok: false, problem: `DESC INTEGRATION returned no ${missing.join(' or ')}` };
  }
  return {
    ok: true,
    value: { iamUserArn, externalId, roleArn: properties.get('STORAGE_AWS_ROLE_ARN') || undefined },
  };
}

/**
 * DESC PIPE (like SHOW PIPES) has a lower-case `notification_channel` column: the ARN of the Snowflake-managed SQS
 * queue. Snowflake may use several queues per account, so every pipe's channel is read, never assumed.
 */
export function readNotificationChannel(rows: readonly Record<string, unknown>[]): Described<string> {
  const channel = rows.length === 1 && rows[0] ? cell(rows[0], 'notification_channel') : undefined;
  if (rows.length !== 1) return { ok: false, problem: `DESC PIPE returned ${rows.length} rows, expected 1` };
  if (!channel) {
    return {
      ok: false,
      problem: 'the pipe has no notification_channel (is it AUTO_INGEST = TRUE on an S3 stage?)',
    };
  }
  if (!channel.startsWith('arn:')) {
    return { ok: false, problem: `notification_channel ${JSON.stringify(channel)} is not an SQS queue ARN` };
  }
  return { ok: true, value: channel };
}

export async function describeIntegration(
  client: SqlClient,
  name: string,
): Promise<Described<IntegrationIdentity>> {
  return readIntegrationIdentity((await client.execute(describeIntegrationSql(name))).rows);
}

export async function describePipeChannel(
  client: SqlClient,
  pipe: QualifiedName,
): Promise<Described<string>> {
  return readNotificationChannel((await client.execute(describePipeSql(pipe))).rows);
}

/** Column lookup that tolerates case (Snowflake reports DESC columns lower-case, most others upper-case). */
export function cell(row: Record<string, unknown>, column: string): string | undefined {
  const direct = row[column] ?? row[column.toUpperCase()];
  const value =
    direct !== undefined
      ? direct
      : Object.entries(row).find(([key]) => key.toLowerCase() === column.toLowerCase())?.[1];
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : String(value);
}
