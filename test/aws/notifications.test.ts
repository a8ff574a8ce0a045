import { fileURLToPath } from 'node:url';
import type { NotificationConfiguration, QueueConfiguration } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isOwnId,
  MAX_QUEUE_CONFIGURATIONS,
  type MergeResult,
  mergeNotifications,
  notificationId,
  prefixKey,
  queueConfiguration,
  type WantedNotifications,
  wantedNotifications,
} from '../../src/aws/notifications.js';
import { readBucketNotifications, syncBucketNotifications } from '../../src/aws/s3-notifications-client.js';
import { loadPipeline } from '../../src/pipeline.js';
import { notificationXml, type RecordingS3, recordingS3Client, startRecordingS3 } from './recording-s3.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-abc';
const OTHER_QUEUE = 'arn:aws:sqs:us-east-1:123456789001:sf-snowpipe-AIDAEXAMPLE-def';

const OWNER = { pipeline: 'bookstore', pipelinePrefix: 'bookstore/' };
const WANTED: WantedNotifications = {
  ...OWNER,
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
          Id: 'snowstage-bookstore-d6a96a151756-book_reviews',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/book_reviews/' }] } },
        },
        {
          Id: 'snowstage-bookstore-d6a96a151756-books',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/books/' }] } },
        },
      ],
    });
    expect(merged.changes.map((c) => [c.kind, c.id])).toEqual([
      ['added', 'snowstage-bookstore-d6a96a151756-book_reviews'],
      ['added', 'snowstage-bookstore-d6a96a151756-books'],
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
      'snowstage-bookstore-d6a96a151756-book_reviews',
      'snowstage-bookstore-d6a96a151756-books',
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
        const config = queueConfiguration(OWNER, q);
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
      ...queueConfiguration(OWNER, WANTED.queues[1] ?? { table: '', prefix: '', queueArn: '' }),
      QueueArn: OTHER_QUEUE,
      Events: ['s3:ObjectCreated:Put'],
    };
    const existing = { QueueConfigurations: [stale, foreignQueue] };
    const merged = ok(mergeNotifications(existing, WANTED));
    expect(merged.changed).toBe(true);
    expect(merged.configuration.QueueConfigurations?.map((q) => [q.Id, q.QueueArn, q.Events])).toEqual([
      ['snowstage-bookstore-d6a96a151756-books', QUEUE, ['s3:ObjectCreated:*']],
      ['thumbnails', foreignQueue.QueueArn, ['s3:ObjectCreated:*']],
      ['snowstage-bookstore-d6a96a151756-book_reviews', QUEUE, ['s3:ObjectCreated:*']],
    ]);
    expect(merged.changes.find((c) => c.id === 'snowstage-bookstore-d6a96a151756-books')?.kind).toBe(
      'updated',
    );
  });

  it('removes its stale configuration for a table that was removed, and a duplicate of its own', () => {
    const gone: QueueConfiguration = {
      Id: 'snowstage-bookstore-d6a96a151756-authors',
      QueueArn: QUEUE,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'bookstore/data/authors/' }] } },
    };
    const books = queueConfiguration(OWNER, {
      table: 'books',
      prefix: 'bookstore/data/books/',
      queueArn: QUEUE,
    });
    const merged = ok(
      mergeNotifications({ QueueConfigurations: [gone, foreignQueue, books, books] }, WANTED),
    );
    expect(merged.configuration.QueueConfigurations?.map((q) => q.Id)).toEqual([
      'thumbnails',
      'snowstage-bookstore-d6a96a151756-books',
      'snowstage-bookstore-d6a96a151756-book_reviews',
    ]);
    expect(merged.changes.filter((c) => c.kind === 'removed').map((c) => c.id)).toEqual([
      'snowstage-bookstore-d6a96a151756-authors',
      'snowstage-bookstore-d6a96a151756-books',
    ]);
  });

  it('removes all of its configurations (and the empty list) when the pipeline has no table left', () => {
    const first = ok(mergeNotifications({ TopicConfigurations: [foreignTopic] }, WANTED));
    const emptied = ok(mergeNotifications(first.configuration, { ...OWNER, queues: [] }));
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

describe('two deployments of one pipeline name on one bucket (issue 14)', () => {
  const PROD = { pipeline: 'bookstore', pipelinePrefix: 'prod/' };
  const STAGING = { pipeline: 'bookstore', pipelinePrefix: 'staging/' };
  const wantedFor = (owner: typeof PROD, queueArn: string): WantedNotifications => ({
    ...owner,
    queues: [{ table: 'books', prefix: `${owner.pipelinePrefix}data/books/`, queueArn }],
  });
  const legacyProd: QueueConfiguration = {
    Id: 'snowstage-bookstore-books',
    QueueArn: OTHER_QUEUE,
    Events: ['s3:ObjectCreated:*'],
    Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'prod/data/books/' }] } },
  };

  it("a staging apply keeps production's entry, made by this version, verbatim", () => {
    const prod = ok(mergeNotifications({}, wantedFor(PROD, OTHER_QUEUE))).configuration;
    const staging = ok(mergeNotifications(prod, wantedFor(STAGING, QUEUE)));
    expect(staging.configuration.QueueConfigurations?.[0]).toEqual(prod.QueueConfigurations?.[0]);
    expect(staging.configuration.QueueConfigurations?.map((q) => [q.QueueArn, filterPrefix(q)])).toEqual([
      [OTHER_QUEUE, 'prod/data/books/'],
      [QUEUE, 'staging/data/books/'],
    ]);
    expect(staging.changes.map((c) => c.kind)).toEqual(['added']);
    // and production's rerun changes nothing of staging's
    expect(ok(mergeNotifications(staging.configuration, wantedFor(PROD, OTHER_QUEUE))).changed).toBe(false);
  });

  it("a staging apply keeps production's entry made by an older version (Id without a prefix key)", () => {
    const staging = ok(mergeNotifications({ QueueConfigurations: [legacyProd] }, wantedFor(STAGING, QUEUE)));
    expect(staging.configuration.QueueConfigurations?.[0]).toEqual(legacyProd);
    expect(staging.configuration.QueueConfigurations).toHaveLength(2);
  });

  it("production's own apply moves its older entry to the keyed Id in the same write", () => {
    const prod = ok(mergeNotifications({ QueueConfigurations: [legacyProd] }, wantedFor(PROD, OTHER_QUEUE)));
    expect(prod.configuration.QueueConfigurations?.map((q) => q.Id)).toEqual([notificationId(PROD, 'books')]);
    expect(prod.changes.map((c) => [c.kind, c.id])).toEqual([
      ['removed', 'snowstage-bookstore-books'],
      ['added', notificationId(PROD, 'books')],
    ]);
  });

  it('refuses, changing nothing, an entry that carries its Id but filters outside its data folder', () => {
    const hijacked = { ...legacyProd, Id: notificationId(STAGING, 'books') };
    const result = failed(mergeNotifications({ QueueConfigurations: [hijacked] }, wantedFor(STAGING, QUEUE)));
    expect(result.message).toContain(
      `"${notificationId(STAGING, 'books')}" filters prefix "prod/data/books/"`,
    );
    expect(result.message).toContain('outside "staging/data/"');
    expect(result.message).toContain('Nothing was changed');
  });

  it("through the real SDK: staging's write carries production's entry unchanged", async () => {
    const s3 = await startRecordingS3({
      lake: notificationXml({
        queues: [
          {
            id: 'snowstage-bookstore-books',
            arn: OTHER_QUEUE,
            events: ['s3:ObjectCreated:*'],
            prefix: 'prod/data/books/',
          },
        ],
      }),
    });
    const client = recordingS3Client(s3.endpoint);
    try {
      const result = await syncBucketNotifications(client, 'lake', wantedFor(STAGING, QUEUE));
      expect(result).toMatchObject({ ok: true, written: true });
      const after = await readBucketNotifications(client, 'lake');
      expect(after.QueueConfigurations?.map((q) => [q.Id, q.QueueArn, filterPrefix(q)])).toEqual([
        ['snowstage-bookstore-books', OTHER_QUEUE, 'prod/data/books/'],
        [notificationId(STAGING, 'books'), QUEUE, 'staging/data/books/'],
      ]);
    } finally {
      client.destroy();
      await s3.close();
    }
  });
});

function filterPrefix(q: QueueConfiguration): string | undefined {
  return q.Filter?.Key?.FilterRules?.find((r) => String(r.Name).toLowerCase() === 'prefix')?.Value;
}

describe('notification ids', () => {
  it('names configurations snowstage-<pipeline>-<prefix key>-<table> and recognises only its own', () => {
    expect(prefixKey('bookstore/')).toBe('d6a96a151756');
    expect(notificationId(OWNER, 'books')).toBe('snowstage-bookstore-d6a96a151756-books');
    expect(isOwnId('snowstage-bookstore-d6a96a151756-books', OWNER)).toBe(true);
    expect(isOwnId('snowstage-bookstore-d6a96a151756-book_reviews', OWNER)).toBe(true);
    expect(isOwnId('snowstage-bookstore_eu-d6a96a151756-books', OWNER)).toBe(false);
    expect(isOwnId('snowstage-bookstore-d6a96a151756-x-y', OWNER)).toBe(false);
    expect(isOwnId('snowstage-bookstore-d6a96a151756-', OWNER)).toBe(false);
    expect(isOwnId('Snowstage-bookstore-d6a96a151756-books', OWNER)).toBe(false);
    expect(isOwnId('snowstage-bookstore-books', OWNER)).toBe(false);
    expect(isOwnId(`snowstage-bookstore-${prefixKey('staging/')}-books`, OWNER)).toBe(false);
    expect(isOwnId(undefined, OWNER)).toBe(false);
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
      pipelinePrefix: 'bookstore/',
      eventBridge: false,
      queues: [
        { table: 'book_reviews', prefix: 'bookstore/data/book_reviews/', queueArn: OTHER_QUEUE },
        { table: 'books', prefix: 'bookstore/data/books/', queueArn: QUEUE },
      ],
    });
  });
});

describe('tables loaded by the Lambda COPY loader (loader: lambda)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const modelOf = async () => {
    const dir = `${root}test/golden/cases/lambda-loader/metadata`;
    const { model } = await loadPipeline({ dir, env: {}, cwd: dir });
    if (!model) throw new Error('metadata did not load');
    return model;
  };

  it('get no queue configuration, and ask for the bucket to send its events to EventBridge', async () => {
    const model = await modelOf();
    const channels = new Map([
      ['customers', QUEUE],
      ['customers.keys', OTHER_QUEUE],
      // a stale channel of a table that is now loaded by the loader is not used, nor its key snapshots' (accounts
      // has delete_detection and loader: lambda: the loader loads its _keys/ folder through EventBridge)
      ['orders', QUEUE],
      ['accounts', QUEUE],
      ['accounts.keys', OTHER_QUEUE],
    ]);
    const wanted = wantedNotifications(model, channels);
    expect(wanted.queues.map((q) => q.prefix)).toEqual([
      'mysql/shop/data/customers/',
      'mysql/shop/data/_keys/customers/',
    ]);
    expect(wanted.eventBridge).toBe(true);
  });

  it("turns EventBridge on once, keeps someone else's, removes the queue entry of a table that switched", () => {
    const owner = { pipeline: 'shop', pipelinePrefix: 'mysql/shop/' };
    const before = {
      QueueConfigurations: [
        queueConfiguration(owner, {
          table: 'customers',
          prefix: 'mysql/shop/data/customers/',
          queueArn: QUEUE,
        }),
        queueConfiguration(owner, { table: 'orders', prefix: 'mysql/shop/data/orders/', queueArn: QUEUE }),
      ],
    };
    const wanted = {
      ...owner,
      queues: [{ table: 'customers', prefix: 'mysql/shop/data/customers/', queueArn: QUEUE }],
      eventBridge: true,
    };
    const merged = ok(mergeNotifications(before, wanted));
    expect(merged.configuration.EventBridgeConfiguration).toEqual({});
    expect(merged.configuration.QueueConfigurations?.map((q) => q.Id)).toEqual([
      notificationId(owner, 'customers'),
    ]);
    expect(merged.changes.map((c) => [c.kind, c.id])).toEqual([
      ['unchanged', notificationId(owner, 'customers')],
      ['removed', notificationId(owner, 'orders')],
      ['added', 'EventBridge'],
    ]);
    const rerun = ok(mergeNotifications(merged.configuration, wanted));
    expect(rerun.changed).toBe(false);
    // without a lambda table an EventBridge configuration someone else turned on stays as it is
    const kept = ok(mergeNotifications({ ...merged.configuration }, { ...wanted, eventBridge: false }));
    expect(kept.configuration.EventBridgeConfiguration).toEqual({});
    expect(kept.changed).toBe(false);
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
      expect(put).toContain('<Id>snowstage-bookstore-d6a96a151756-books</Id>');
      expect(put).toContain('<Value>bookstore/data/books/</Value>');
      expect(put).toContain(`<Queue>${QUEUE}</Queue>`);

      const after = await readBucketNotifications(client, 'snowstage-bookstore');
      expect(after.QueueConfigurations?.map((q) => q.Id)).toEqual([
        'thumbnails',
        'snowstage-bookstore-d6a96a151756-book_reviews',
        'snowstage-bookstore-d6a96a151756-books',
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

  it('turns on EventBridge delivery for a pipeline with a Lambda-loaded table, once', async () => {
    s3 = await startRecordingS3({ 'snowstage-bookstore': notificationXml({}) });
    const client = recordingS3Client(s3.endpoint);
    try {
      const wanted = { ...WANTED, eventBridge: true };
      const first = await syncBucketNotifications(client, 'snowstage-bookstore', wanted);
      expect(first).toMatchObject({ ok: true, changed: true, written: true });
      expect(s3.puts[0]).toContain('<EventBridgeConfiguration');
      expect((await readBucketNotifications(client, 'snowstage-bookstore')).EventBridgeConfiguration).toEqual(
        {},
      );
      const rerun = await syncBucketNotifications(client, 'snowstage-bookstore', wanted);
      expect(rerun).toMatchObject({ ok: true, changed: false, written: false });
      expect(s3.puts).toHaveLength(1);
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
