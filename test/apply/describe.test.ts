import { describe, expect, it } from 'vitest';
import {
  describeIntegrationSql,
  describePipeSql,
  readIntegrationIdentity,
  readNotificationChannel,
} from '../../src/snowflake/describe.js';

describe('DESC INTEGRATION', () => {
  it('quotes the name and reads the IAM user, external id and role', () => {
    expect(describeIntegrationSql('MY"INT')).toBe('DESC INTEGRATION "MY""INT"');
    const rows = [
      { property: 'ENABLED', property_value: 'true' },
      { property: 'STORAGE_AWS_IAM_USER_ARN', property_value: 'arn:aws:iam::1:user/x' },
      { PROPERTY: 'STORAGE_AWS_EXTERNAL_ID', PROPERTY_VALUE: 'EXT=1' },
      { property: 'STORAGE_AWS_ROLE_ARN', property_value: 'arn:aws:iam::2:role/r' },
    ];
    expect(readIntegrationIdentity(rows)).toEqual({
      ok: true,
      value: { iamUserArn: 'arn:aws:iam::1:user/x', externalId: 'EXT=1', roleArn: 'arn:aws:iam::2:role/r' },
    });
  });

  it('names what is missing', () => {
    expect(readIntegrationIdentity([{ property: 'STORAGE_AWS_EXTERNAL_ID', property_value: 'e' }])).toEqual({
      ok: false,
      problem: 'DESC INTEGRATION returned no STORAGE_AWS_IAM_USER_ARN',
    });
  });
});

describe('DESC PIPE', () => {
  it('quotes the pipe and reads notification_channel', () => {
    expect(describePipeSql({ database: 'D', schema: 'S', name: 'P' })).toBe('DESC PIPE "D"."S"."P"');
    expect(
      readNotificationChannel([{ name: 'P', notification_channel: 'arn:aws:sqs:us-east-1:1:q' }]),
    ).toEqual({
      ok: true,
      value: 'arn:aws:sqs:us-east-1:1:q',
    });
  });

  it('rejects a missing channel, a non-ARN and an unexpected row count', () => {
    expect(readNotificationChannel([{ name: 'P', notification_channel: null }])).toMatchObject({ ok: false });
    expect(readNotificationChannel([{ notification_channel: 'queue' }])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('not an SQS queue ARN'),
    });
    expect(readNotificationChannel([])).toMatchObject({
      ok: false,
      problem: 'DESC PIPE returned 0 rows, expected 1',
    });
  });
});
