import { fileURLToPath } from 'node:url';
import type { NotificationConfiguration, QueueConfiguration } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isOwnId,
  MAX_QUEUE_CONFIGURATIONS,
  type MergeResult,
  mergeNotifications,
  notificationId,
  queueConfiguration,
  type WantedNotifications,
  wantedNotifications,
} from '../../src/aws/notifications.js';
import { readBucketNotifications, syncBucketNotifications } from '../../src/aws/s3-notifications-client.js';
import { loadPipeline } from '../../src/pipeline.js';
import { notificationXml, type RecordingS3, recordingS3Client, startRecordingS3 } from './recording-s3.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-abc';
const OTHER_QUEUE = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-def';

const WANTED: WantedNotifications = {
  pipeline: 'bookstore',
  queues: [
    { table: 'book_reviews', prefix: 'bookstore/data/book_reviews/', queueArn: QUEUE },
    { table: 'books', prefix: 'bookstore/data/books/', queueArn: QUEUE },
  ],
};

const foreignQueue: QueueConfiguration = {
  Id: 'thumbnails',
  QueueArn: 'arn:aws:sqs:us-east-1:111122223333:thumbnails',
  Events: ['s3:ObjectCreated:*'],
  Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } },
};
const foreignTopic = {
  Id: 'audit-deletes',
  TopicArn: 'arn:aws:sns:us-east-1:111122223333:audit',
  Events: ['s3:ObjectRemoved:*' as const],
};
const foreignLambda = {
  Id: 'index-pdf',
  LambdaFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:index',
  Events: ['s3:ObjectCreated:Put' as const],
  Filter: {
    Key: {
      FilterRules: [
        { Name: 'suffix' as const, Value: '.pdf' },
        { Name: 'prefix' as const, Value: 'docs/' },
      ],
    },
  },
};

function ok(result: MergeResult): Extract<MergeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a merge, got: ${result.message}`);
  return result;
}

function failed(result: MergeResult): Extract<MergeResult, { ok: false }> {
  if (result.ok) throw new Error('expected a conflict');
  return result;
}

function withForeign(configuration: Partial<QueueConfiguration> & { Id: string }): NotificationConfiguration {
  return { QueueConfigurations: [{ ...foreignQueue, ...configuration }] };
}

describe('mergeNotifications', () => {
  it('adds one queue configuration per table to an empty configuration', () => {
    const merged = ok(mergeNotifications({}, WANTED));
    expect(merged.changed).toBe(true);
    expect(merged.configuration).toEqual({
      QueueConfigurations: [
        {
          Id: 'snowstage-bookstore-book_reviews',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/book_reviews/' }] } },
        },
        {
          Id: 'snowstage-bookstore-books',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/books/' }] } },
        },
      ],
    });
    expect(merged.changes.map((c) => [c.kind, c.id])).toEqual([
      ['added', 'snowstage-bookstore-book_reviews'],
      ['added', 'snowstage-bookstore-books'],
    ]);
  });

  it('keeps every existing queue, topic, lambda and EventBridge configuration that is not ours, verbatim', () => {
    const existing: NotificationConfiguration = {
      TopicConfigurations: [foreignTopic],
      QueueConfigurations: [foreignQueue],
      LambdaFunctionConfigurations: [foreignLambda],
      EventBridgeConfiguration: {},
    };
    const snapshot = structuredClone(existing);
    const merged = ok(mergeNotifications(existing, WANTED));
    expect(existing).toEqual(snapshot); // the input is not mutated
    expect(merged.configuration.TopicConfigurations).toEqual([foreignTopic]);
    expect(merged.configuration.LambdaFunctionConfigurations).toEqual([foreignLambda]);
    expect(merged.configuration.EventBridgeConfiguration).toEqual({});
    expect(merged.configuration.QueueConfigurations?.[0]).toEqual(foreignQueue);
    expect(merged.configuration.QueueConfigurations?.map((q) => q.Id)).toEqual([
      'thumbnails',
      'snowstage-bookstore-book_reviews',
      'snowstage-bookstore-books',
    ]);
  });

  it('is a no-op on rerun: changed false and the configuration returned as it was', () => {
    const first = ok(
      mergeNotifications({ QueueConfigurations: [foreignQueue], EventBridgeConfiguration: {} }, WANTED),
    );
    const second = ok(mergeNotifications(first.configuration, WANTED));
    expect(second.changed).toBe(false);
    expect(second.configuration).toEqual(first.configuration);
    expect(second.changes.every((c) => c.kind === 'unchanged')).toBe(true);
  });

  it('recognises its configurations as S3 returns them (capitalised filter rule names)', () => {
    const asReturned: NotificationConfiguration = {
      QueueConfigurations: WANTED.queues.map((q) => {
        const config = queueConfiguration('bookstore', q);
        return {
          ...config,
          Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: q.prefix }] } },
        };
      }),
    };
    expect(ok(mergeNotifications(asReturned, WANTED)).changed).toBe(false);
  });

  it('updates its own configuration in place when the queue, events or prefix changed', () => {
    const stale: QueueConfiguration = {
      ...queueConfiguration('bookstore', WANTED.queues[1] ?? { table: '', prefix: '', queueArn: '' }),
      QueueArn: OTHER_QUEUE,
      Events: ['s3:ObjectCreated:Put'],
    };
    const existing = { QueueConfigurations: [stale, foreignQueue] };
    const merged = ok(mergeNotifications(existing, WANTED));
    expect(merged.changed).toBe(true);
    expect(merged.configuration.QueueConfigurations?.map((q) => [q.Id, q.QueueArn, q.Events])).toEqual([
      ['snowstage-bookstore-books', QUEUE, ['s3:ObjectCreated:*']],
      ['thumbnails', foreignQueue.QueueArn, ['s3:ObjectCreated:*']],
      ['snowstage-bookstore-book_reviews', QUEUE, ['s3:ObjectCreated:*']],
    ]);
    expect(merged.changes.find((c) => c.id === 'snowstage-bookstore-books')?.kind).toBe('updated');
  });

  it('removes its stale configuration for a table that was removed, and a duplicate of its own', () => {
    const gone: QueueConfiguration = {
      Id: 'snowstage-bookstore-authors',
      QueueArn: QUEUE,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/authors/' }] } },
    };
    const books = queueConfiguration('bookstore', {
      table: 'books',
      prefix: 'bookstore/data/books/',
      queueArn: QUEUE,
    });
    const merged = ok(
      mergeNotifications({ QueueConfigurations: [gone, foreignQueue, books, books] }, WANTED),
    );
    expect(merged.configuration.QueueConfigurations?.map((q) => q.Id)).toEqual([
      'thumbnails',
      'snowstage-bookstore-books',
      'snowstage-bookstore-book_reviews',
    ]);
    expect(merged.changes.filter((c) => c.kind === 'removed').map((c) => c.id)).toEqual([
      'snowstage-bookstore-authors',
      'snowstage-bookstore-books',
    ]);
  });

  it('removes all of its configurations (and the empty list) when the pipeline has no table left', () => {
    const first = ok(mergeNotifications({ TopicConfigurations: [foreignTopic] }, WANTED));
    const emptied = ok(mergeNotifications(first.configuration, { pipeline: 'bookstore', queues: [] }));
    expect(emptied.configuration).toEqual({ TopicConfigurations: [foreignTopic] });
    expect(emptied.changed).toBe(true);
  });

  it("leaves another pipeline's configurations alone", () => {
    const other = {
      ...foreignQueue,
      Id: 'snowstage-bookstore_eu-books',
      Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'bookstore_eu/data/books/' }] } },
    };
    const merged = ok(mergeNotifications({ QueueConfigurations: [other] }, WANTED));
    expect(merged.configuration.QueueConfigurations?.[0]).toEqual(other);
    expect(merged.changes.map((c) => c.kind)).toEqual(['added', 'added']);
  });

  it.each([
    [
      'a parent prefix',
      {
        Id: 'all-bookstore',
        Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'bookstore/' }] } },
      },
    ],
    [
      'a child prefix',
      {
        Id: 'new-books',
        Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'bookstore/data/books/2025/' }] } },
      },
    ],
    [
      'the same prefix',
      {
        Id: 'manual-books',
        QueueArn: QUEUE,
        Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'bookstore/data/books/' }] } },
      },
    ],
    ['no filter at all', { Id: 'everything', Filter: undefined }],
    [
      'a suffix within an overlapping prefix',
      {
        Id: 'csv',
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix' as const, Value: 'bookstore/' },
              { Name: 'suffix' as const, Value: '.csv.gz' },
            ],
          },
        },
      },
    ],
    [
      'one specific created event',
      { Id: 'puts', Events: ['s3:ObjectCreated:Put' as const], Filter: undefined },
    ],
  ])('rejects a queue configuration with %s and explains the SNS fan-out', (_name, configuration) => {
    const existing = withForeign(configuration);
    const result = failed(mergeNotifications(existing, WANTED));
    expect(result.conflicts.length).toBeGreaterThan(0);
    expect(result.conflicts.every((c) => c.existing.id === configuration.Id)).toBe(true);
    expect(result.message).toContain(`queue configuration "${configuration.Id}"`);
    expect(result.message).toMatch(/overlap/);
    expect(result.message).toMatch(/SNS topic/);
    expect(result.message).toContain('AWS_SNS_TOPIC');
    expect(result.message).toContain('--no-notifications');
  });

  it('rejects overlapping topic and lambda configurations too', () => {
    const topic = failed(
      mergeNotifications(
        { TopicConfigurations: [{ ...foreignTopic, Events: ['s3:ObjectCreated:*'] }] },
        WANTED,
      ),
    );
    expect(topic.conflicts.map((c) => [c.table, c.existing.type])).toEqual([
      ['book_reviews', 'topic'],
      ['books', 'topic'],
    ]);
    const lambda = failed(
      mergeNotifications(
        {
          LambdaFunctionConfigurations: [
            {
              ...foreignLambda,
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'bookstore/data/books' },
                    { Name: 'suffix', Value: '.pdf' },
                  ],
                },
              },
            },
          ],
        },
        WANTED,
      ),
    );
    expect(lambda.conflicts.map((c) => [c.table, c.existing.type, c.existing.suffix])).toEqual([
      ['books', 'lambda', '.pdf'],
    ]);
  });

  it('accepts configurations that share a prefix but not an event type, and sibling prefixes', () => {
    const existing: NotificationConfiguration = {
      TopicConfigurations: [
        { ...foreignTopic, Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/' }] } } },
      ],
      QueueConfigurations: [
        {
          ...foreignQueue,
          Id: 'archive',
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/books_archive/' }] } },
        },
      ],
      EventBridgeConfiguration: {},
    };
    const merged = ok(mergeNotifications(existing, WANTED));
    expect(merged.configuration.QueueConfigurations).toHaveLength(3);
  });

  it(`refuses more than ${MAX_QUEUE_CONFIGURATIONS} queue configurations`, () => {
    const many = Array.from({ length: MAX_QUEUE_CONFIGURATIONS - 1 }, (_, i) => ({
      ...foreignQueue,
      Id: `q${i}`,
      Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: `other/${i}/` }] } },
    }));
    const result = failed(mergeNotifications({ QueueConfigurations: many }, WANTED));
    expect(result.message).toMatch(/at most 100/);
  });
});

describe('notification ids', () => {
  it('names configurations snowstage-<pipeline>-<table> and recognises only its own', () => {
    expect(notificationId('bookstore', 'books')).toBe('snowstage-bookstore-books');
    expect(isOwnId('snowstage-bookstore-books', 'bookstore')).toBe(true);
    expect(isOwnId('snowstage-bookstore-book_reviews', 'bookstore')).toBe(true);
    expect(isOwnId('snowstage-bookstore_eu-books', 'bookstore')).toBe(false);
    expect(isOwnId('snowstage-bookstore-x-y', 'bookstore')).toBe(false);
    expect(isOwnId('snowstage-bookstore-', 'bookstore')).toBe(false);
    expect(isOwnId('Snowstage-bookstore-books', 'bookstore')).toBe(false);
    expect(isOwnId(undefined, 'bookstore')).toBe(false);
  });

  it('builds the wanted queues from the model and the pipes channels', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { model } = await loadPipeline({ dir: `${root}metadata`, env: {}, cwd: root });
    if (!model) throw new Error('metadata did not load');
    const channels = new Map([
      ['books', QUEUE],
      ['book_reviews', OTHER_QUEUE],
    ]);
    expect(wantedNotifications(model, channels)).toEqual({
      pipeline: 'bookstore',
      queues: [
        { table: 'book_reviews', prefix: 'bookstore/data/book_reviews/', queueArn: OTHER_QUEUE },
        { table: 'books', prefix: 'bookstore/data/books/', queueArn: QUEUE },
      ],
    });
  });
});

describe('syncBucketNotifications against a recording S3 endpoint (real SDK)', () => {
  let s3: RecordingS3 | undefined;
  afterEach(async () => {
    await s3?.close();
    s3 = undefined;
  });

  const existingXml = notificationXml({
    topics: [{ id: 'audit-deletes', arn: foreignTopic.TopicArn, events: ['s3:ObjectRemoved:*'] }],
    queues: [
      {
        id: 'thumbnails',
        arn: foreignQueue.QueueArn ?? '',
        events: ['s3:ObjectCreated:*'],
        prefix: 'images/',
      },
    ],
    lambdas: [
      {
        id: 'index-pdf',
        arn: foreignLambda.LambdaFunctionArn,
        events: ['s3:ObjectCreated:Put'],
        prefix: 'docs/',
        suffix: '.pdf',
      },
    ],
    eventBridge: true,
  });

  it('reads the stored configuration, writes the merge once, and is a no-op on rerun', async () => {
    s3 = await startRecordingS3({ 'snowstage-bookstore': existingXml });
    const client = recordingS3Client(s3.endpoint);
    try {
      const before = await readBucketNotifications(client, 'snowstage-bookstore');
      expect(before).not.toHaveProperty('$metadata');
      expect(before.TopicConfigurations?.[0]?.Id).toBe('audit-deletes');
      expect(before.LambdaFunctionConfigurations?.[0]?.Filter?.Key?.FilterRules).toHaveLength(2);
      expect(before.EventBridgeConfiguration).toEqual({});

      const first = await syncBucketNotifications(client, 'snowstage-bookstore', WANTED);
      expect(first).toMatchObject({ ok: true, changed: true, written: true });
      expect(s3.puts).toHaveLength(1);
      const put = s3.puts[0] ?? '';
      for (const kept of [
        'audit-deletes',
        'thumbnails',
        'index-pdf',
        foreignTopic.TopicArn,
        '.pdf',
        '<EventBridgeConfiguration',
      ]) {
        expect(put).toContain(kept);
      }
      expect(put).toContain('<Id>snowstage-bookstore-books</Id>');
      expect(put).toContain('<Value>bookstore/data/books/</Value>');
      expect(put).toContain(`<Queue>${QUEUE}</Queue>`);

      const after = await readBucketNotifications(client, 'snowstage-bookstore');
      expect(after.QueueConfigurations?.map((q) => q.Id)).toEqual([
        'thumbnails',
        'snowstage-bookstore-book_reviews',
        'snowstage-bookstore-books',
      ]);
      expect(after.TopicConfigurations).toEqual(before.TopicConfigurations);
      expect(after.LambdaFunctionConfigurations).toEqual(before.LambdaFunctionConfigurations);

      const rerun = await syncBucketNotifications(client, 'snowstage-bookstore', WANTED);
      expect(rerun).toMatchObject({ ok: true, changed: false, written: false });
      expect(s3.puts).toHaveLength(1);
      expect(s3.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PUT', 'GET', 'GET']);
    } finally {
      client.destroy();
    }
  });

  it('writes nothing when the bucket has an overlapping configuration', async () => {
    const overlapping = notificationXml({
      queues: [
        { id: 'legacy-loader', arn: OTHER_QUEUE, events: ['s3:ObjectCreated:*'], prefix: 'bookstore/data/' },
      ],
    });
    s3 = await startRecordingS3({ 'snowstage-bookstore': overlapping });
    const client = recordingS3Client(s3.endpoint);
    try {
      const result = await syncBucketNotifications(client, 'snowstage-bookstore', WANTED);
      expect(result.ok).toBe(false);
      expect(result.written).toBe(false);
      expect(s3.puts).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});
