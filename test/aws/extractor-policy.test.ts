/**
 * The generated extractor policy (aws/extractor-policy.json) is least privilege (issue 14): a real extraction
 * (MariaDB, s3rver, the real AWS SDK) is recorded request by request and every request must be allowed by the
 * policy generated for the same model; the requests an attacker with the extractor's credentials would make
 * (delete state and manifests, overwrite a data file, list multipart uploads) must not be.
 */

import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractorPolicy } from '../../src/aws/policies.js';
import { extractAll } from '../../src/extract/extract-all.js';
import { dataFileKey, leaseKey, manifestKey, stateKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { PreconditionFailedError } from '../../src/extract/store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv } from '../support/pipeline.js';
import { createTestS3Client, startTestS3, type TestS3 } from '../support/s3.js';
import { allowedBy, type S3Request } from './iam-eval.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;

interface RecordedCall {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** What IAM sees of an S3 API call ("Actions, resources, and condition keys for Amazon S3"). */
function asRequest(call: RecordedCall): S3Request {
  const { Bucket, Key, Prefix, IfNoneMatch, IfMatch } = call.input as Record<string, string | undefined>;
  const object = `arn:aws:s3:::${Bucket}/${Key}`;
  const conditional = {
    ...(IfNoneMatch === undefined ? {} : { 's3:if-none-match': IfNoneMatch }),
    ...(IfMatch === undefined ? {} : { 's3:if-match': IfMatch }),
  };
  switch (call.command) {
    case 'GetObjectCommand':
    case 'HeadObjectCommand':
      return { action: 's3:GetObject', resource: object, context: {} };
    case 'PutObjectCommand':
    case 'CompleteMultipartUploadCommand':
      return {
        action: 's3:PutObject',
        resource: object,
        context: { ...conditional, 's3:ObjectCreationOperation': 'true' },
      };
    case 'CreateMultipartUploadCommand':
    case 'UploadPartCommand':
      return { action: 's3:PutObject', resource: object, context: { 's3:ObjectCreationOperation': 'false' } };
    case 'AbortMultipartUploadCommand':
      return { action: 's3:AbortMultipartUpload', resource: object, context: {} };
    case 'DeleteObjectCommand':
      return { action: 's3:DeleteObject', resource: object, context: conditional };
    case 'ListObjectsV2Command':
      return {
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${Bucket}`,
        context: { 's3:prefix': Prefix ?? '' },
      };
    default:
      throw new Error(
        `no IAM mapping for ${call.command}: add it here and decide whether the policy grants it`,
      );
  }
}

function recordingClient(endpoint: string, calls: RecordedCall[]): S3Client {
  const client = createTestS3Client(endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: String(context.commandName), input: { ...(args.input as object) } });
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return client;
}

function chunks(bytes: number, failAfter?: number): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < bytes; sent += MiB) {
      if (failAfter !== undefined && sent >= failAfter) throw new Error('source failed midway');
      yield Buffer.alloc(MiB, sent / MiB);
    }
  }
  return Readable.from(generate(), { objectMode: false });
}

let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;
const calls: RecordedCall[] = [];
let client: S3Client;

beforeAll(async () => {
  db = await createTestDatabase('policy');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  s3 = await startTestS3();
  model = await loadTestModel('metadata', pipelineEnv(db, s3));
  client = recordingClient(s3.endpoint, calls);
});

afterAll(async () => {
  client?.destroy();
  await db?.drop();
  await s3?.close();
});

const books = (): TableModel => {
  const found = model.tables.find((t) => t.name === 'books');
  if (!found) throw new Error('books');
  return found;
};
const object = (key: string) => `arn:aws:s3:::${s3.bucket}/${key}`;

describe('the generated extractor policy', () => {
  it('allows every request of a real extraction, multipart uploads and their abort included', async () => {
    const store = new S3ObjectStore(client, s3.bucket);
    const results = await extractAll({
      model,
      tables: model.tables,
      dataStore: store,
      stateStore: store,
      env: { MYSQL_PASSWORD: db.target.password },
      settings: {
        chunkRows: 50,
        targetFileBytes: 64 * MiB,
        gzipLevel: 1,
        leaseTtlMs: 30_000,
        owner: 'policy',
        maxAttempts: 1,
      },
      signal: new AbortController().signal,
    });
    expect(results.map((r) => [r.table, r.status])).toEqual([
      ['book_reviews', 'ok'],
      ['books', 'ok'],
    ]);
    // a data file larger than one part (multipart), and one whose source fails midway (aborted)
    await store.upload(dataFileKey(books(), '20261130T000000000Z-big', 1), chunks(6 * MiB));
    const failed = store.upload(
      dataFileKey(books(), '20261130T000000000Z-bad', 1),
      chunks(12 * MiB, 6 * MiB),
    );
    await expect(failed).rejects.toThrow('source failed midway');

    const commands = new Set(calls.map((c) => c.command));
    for (const expected of [
      'PutObjectCommand',
      'GetObjectCommand',
      'DeleteObjectCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
      'AbortMultipartUploadCommand',
    ]) {
      expect(commands, expected).toContain(expected);
    }
    const policy = extractorPolicy(model);
    const denied = calls.map(asRequest).filter((request) => allowedBy(policy, request) === undefined);
    expect(denied).toEqual([]);
  });

  it('refuses to replace an existing data file: the store asks for create-only and S3 enforces it', async () => {
    const store = new S3ObjectStore(client, s3.bucket);
    const key = dataFileKey(books(), '20261130T000000000Z-once', 1);
    await store.upload(key, Readable.from([Buffer.from('first')]));
    await expect(store.upload(key, Readable.from([Buffer.from('second')]))).rejects.toThrow(
      PreconditionFailedError,
    );
    await expect(store.upload(key, chunks(6 * MiB))).rejects.toThrow(PreconditionFailedError);
    expect((await store.getText(key))?.body).toBe('first');
  });

  const policy = () => extractorPolicy(model);
  it.each([
    [
      'delete the table state',
      () => ({ action: 's3:DeleteObject', resource: object(stateKey(books())), context: {} }),
    ],
    [
      'delete a run manifest',
      () => ({
        action: 's3:DeleteObject',
        resource: object(manifestKey(books(), '20261130T000000000Z-x')),
        context: {},
      }),
    ],
    [
      'delete a data file',
      () => ({
        action: 's3:DeleteObject',
        resource: object(dataFileKey(books(), '20261130T000000000Z-x', 1)),
        context: {},
      }),
    ],
    [
      'overwrite a data file (PutObject without If-None-Match)',
      () => ({
        action: 's3:PutObject',
        resource: object(dataFileKey(books(), '20261130T000000000Z-x', 1)),
        context: { 's3:ObjectCreationOperation': 'true' },
      }),
    ],
    [
      'overwrite a data file (CompleteMultipartUpload without If-None-Match)',
      () => ({
        action: 's3:PutObject',
        resource: object(dataFileKey(books(), '20261130T000000000Z-x', 1)),
        context: { 's3:ObjectCreationOperation': 'true', 's3:if-match': '"etag"' },
      }),
    ],
    [
      'list multipart uploads',
      () => ({
        action: 's3:ListBucketMultipartUploads',
        resource: `arn:aws:s3:::${s3.bucket}`,
        context: { 's3:prefix': `${model.s3.prefix}_snowstage/` },
      }),
    ],
    [
      'list the parts of an upload',
      () => ({
        action: 's3:ListMultipartUploadParts',
        resource: object(dataFileKey(books(), '20261130T000000000Z-x', 1)),
        context: {},
      }),
    ],
    [
      'list the data folder',
      () => ({
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${s3.bucket}`,
        context: { 's3:prefix': `${model.s3.prefix}data/` },
      }),
    ],
    [
      'write outside the pipeline prefix',
      () => ({
        action: 's3:PutObject',
        resource: object('other/data/x.csv.gz'),
        context: { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' },
      }),
    ],
  ])('denies a request to %s', (_what, request: () => S3Request) => {
    expect(allowedBy(policy(), request())).toBeUndefined();
  });

  it('allows deleting exactly the leases', () => {
    for (const table of model.tables) {
      expect(
        allowedBy(policy(), { action: 's3:DeleteObject', resource: object(leaseKey(table)), context: {} }),
      ).toBe('ReleaseTableLeases');
    }
  });
});
