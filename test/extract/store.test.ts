import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import { S3ObjectStore, s3ClientFromEnv } from '../../src/extract/s3-store.js';
import { type ObjectStore, PreconditionFailedError } from '../../src/extract/store.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const MiB = 1024 * 1024;

interface Backend {
  store: ObjectStore;
  /** the stored bytes, read around the store (which has no binary get) */
  readBytes(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

async function openS3(): Promise<Backend & { s3: TestS3 }> {
  const s3 = await startTestS3();
  // page size 3: listing 7 keys takes three ListObjectsV2 pages
  const store = new S3ObjectStore(s3.client, s3.bucket, { pageSize: 3 });
  const readBytes = (key: string) => readS3Object(s3.client, s3.bucket, key);
  return { s3, store, readBytes, close: s3.close };
}

async function openLocal(): Promise<Backend & { root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'snowstage-store-'));
  return {
    root,
    store: new LocalObjectStore(root),
    readBytes: (key) => readFile(join(root, key)),
    close: () => rm(root, { recursive: true, force: true }),
  };
}

async function readS3Object(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (output.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** `data` as a stream of 1 MiB chunks, optionally failing after `failAfter` bytes. */
function chunked(data: Buffer, failAfter?: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < data.length; offset += MiB) {
      if (failAfter !== undefined && offset >= failAfter) throw new Error('source failed midway');
      yield data.subarray(offset, offset + MiB);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

const backends = [
  { name: 's3', open: openS3 },
  { name: 'local', open: openLocal },
] as const;

describe.each(backends)('$name object store', ({ open }) => {
  let backend: Backend;
  let store: ObjectStore;
  let prefix: string;

  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  });
  afterAll(async () => {
    await backend?.close();
  });
  // every test writes under its own prefix, so tests cannot see each other's keys
  const fresh = (): string => {
    prefix = `t-${randomUUID()}/`;
    return prefix;
  };

  it('reads back what it wrote, and reports missing keys as undefined', async () => {
    const p = fresh();
    expect(await store.getText(`${p}missing.json`)).toBeUndefined();
    expect(await store.exists(`${p}missing.json`)).toBe(false);

    const body = '{"héllo": "wörld ☃ 𝄞"}\n';
    const { etag } = await store.putText(`${p}a.json`, body, { contentType: 'application/json' });
    expect(await store.getText(`${p}a.json`)).toEqual({ body, etag });
    expect(await store.exists(`${p}a.json`)).toBe(true);
    expect(await store.exists(p.slice(0, -1))).toBe(false); // a "folder" is not an object
  });

  it('lists every page under a prefix, sorted, with sizes', async () => {
    const p = fresh();
    const keys = ['g', 'a', 'e/deep/x', 'c', 'b10', 'b2', 'f'].map((name) => `${p}${name}`);
    for (const [index, key] of keys.entries()) await store.putText(key, 'x'.repeat(index));
    await store.putText(`${p.slice(0, -1)}-sibling/z`, 'not under the prefix');

    const listed = await store.list(p);
    expect(listed.map((entry) => entry.key)).toEqual([...keys].sort());
    expect(listed.find((entry) => entry.key === `${p}c`)?.size).toBe(3);
    // prefixes are plain string prefixes, not folders
    expect((await store.list(`${p}b`)).map((entry) => entry.key)).toEqual([`${p}b10`, `${p}b2`]);
    expect((await store.list(`${p}e/`)).map((entry) => entry.key)).toEqual([`${p}e/deep/x`]);
    expect(await store.list(`${p}nothing-here/`)).toEqual([]);
  });

  it('creates only when absent with ifNoneMatch', async () => {
    const key = `${fresh()}create.json`;
    const first = await store.putText(key, 'first', { ifNoneMatch: '*' });
    await expect(store.putText(key, 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await store.getText(key)).toEqual({ body: 'first', etag: first.etag });
    // writing the very body that is already there counts as done (a retried write whose response was lost)
    expect(await store.putText(key, 'first', { ifNoneMatch: '*' })).toEqual(first);
  });

  it('lets exactly one of 8 concurrent creates win', async () => {
    const key = `${fresh()}race.json`;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) => store.putText(key, `writer ${index}`, { ifNoneMatch: '*' })),
    );
    const winners = results.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PreconditionFailedError);
    }
    const winner = results.findIndex((result) => result.status === 'fulfilled');
    expect((await store.getText(key))?.body).toBe(`writer ${winner}`);
  });

  it('replaces only the expected version with ifMatch', async () => {
    const key = `${fresh()}cas.json`;
    const v1 = await store.putText(key, 'v1');
    const v2 = await store.putText(key, 'v2', { ifMatch: v1.etag });
    expect(v2.etag).not.toBe(v1.etag);
    await expect(store.putText(key, 'v3', { ifMatch: v1.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.getText(key))?.body).toBe('v2');
    await expect(store.putText(`${prefix}absent.json`, 'x', { ifMatch: v1.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await store.exists(`${prefix}absent.json`)).toBe(false);
  });

  it('deletes unconditionally, or only the expected version with ifMatch', async () => {
    const p = fresh();
    await store.delete(`${p}never-existed`); // not an error
    const v1 = await store.putText(`${p}d.json`, 'v1');
    const v2 = await store.putText(`${p}d.json`, 'v2');
    await expect(store.delete(`${p}d.json`, { ifMatch: v1.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await store.exists(`${p}d.json`)).toBe(true);
    await store.delete(`${p}d.json`, { ifMatch: v2.etag });
    expect(await store.exists(`${p}d.json`)).toBe(false);
    await expect(store.delete(`${p}d.json`, { ifMatch: v2.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await store.putText(`${p}e.json`, 'e');
    await store.delete(`${p}e.json`);
    expect(await store.list(p)).toEqual([]);
  });

  it('uploads a 20 MiB stream byte-identically', async () => {
    const key = `${fresh()}big.bin`;
    const data = randomBytes(20 * MiB);
    const result = await store.upload(key, chunked(data), { contentType: 'application/octet-stream' });
    expect(result.bytes).toBe(data.length);
    expect(sha256(await backend.readBytes(key))).toBe(sha256(data));
    expect(await store.list(prefix)).toEqual([{ key, size: data.length }]);
  });

  it('uploads a small stream in one request', async () => {
    const key = `${fresh()}small.csv.gz`;
    const data = randomBytes(1000);
    const result = await store.upload(key, Readable.from([data]), { contentEncoding: 'gzip' });
    expect(result.bytes).toBe(1000);
    expect(sha256(await backend.readBytes(key))).toBe(sha256(data));
  });

  it('leaves nothing behind when the source fails midway through a large upload', async () => {
    const key = `${fresh()}broken.bin`;
    const data = randomBytes(12 * MiB);
    await expect(store.upload(key, chunked(data, 10 * MiB))).rejects.toThrow('source failed midway');
    expect(await store.exists(key)).toBe(false);
    expect(await store.list(prefix)).toEqual([]);
  });

  it('stops and cleans up when the upload is aborted', async () => {
    const key = `${fresh()}aborted.bin`;
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      for (let index = 0; index < 20; index += 1) {
        if (index === 10) controller.abort();
        yield Buffer.alloc(MiB, index);
      }
    }
    const upload = store.upload(key, Readable.from(slow(), { objectMode: false }), {
      signal: controller.signal,
    });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
    expect(await store.exists(key)).toBe(false);
  });
});

describe('S3ObjectStore specifics', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** Records each command the client sends; `intercept` may answer one instead of S3. */
  function spyOnCommands(
    client: S3Client,
    intercept?: (command: string, input: Record<string, unknown>) => Promise<boolean>,
  ): { calls: { command: string; input: Record<string, unknown> }[]; remove(): void } {
    const calls: { command: string; input: Record<string, unknown> }[] = [];
    const name = `spy-${randomUUID()}`;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        calls.push({ command: context.commandName ?? '?', input });
        if (intercept !== undefined && (await intercept(context.commandName ?? '?', input))) {
          return { output: { $metadata: {} } as never, response: undefined };
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    return { calls, remove: () => client.middlewareStack.remove(name) };
  }

  /** s3rver keeps in-progress multipart uploads here (it does not implement ListMultipartUploads) */
  const uploadsDir = (): string => join(s3.directory, s3.bucket, '._S3rver_uploads');
  const pendingUploads = async (): Promise<string[]> => readdir(uploadsDir()).catch(() => []);

  it('aborts the multipart upload when the source fails after a part was stored', async () => {
    // s3rver answers AbortMultipartUpload with 405 MethodNotAllowed, so the spy performs the abort the way
    // S3 would (dropping the stored parts) after checking that parts really were there
    const partsBeforeAbort: string[] = [];
    const spy = spyOnCommands(s3.client, async (command, input) => {
      if (command !== 'AbortMultipartUploadCommand') return false;
      const dir = join(uploadsDir(), String(input.UploadId));
      partsBeforeAbort.push(...(await readdir(dir)));
      await rm(dir, { recursive: true });
      return true;
    });
    try {
      const store = new S3ObjectStore(s3.client, s3.bucket);
      const key = `abort-${randomUUID()}.bin`;
      // 12 MiB then an error: parts (5 MiB) are uploaded while the rest is still being read
      const failure = store.upload(key, chunked(randomBytes(14 * MiB), 12 * MiB));
      await expect(failure).rejects.toThrow('source failed midway');

      const commands = spy.calls.map((call) => call.command);
      expect(commands[0]).toBe('CreateMultipartUploadCommand');
      expect(commands.at(-1)).toBe('AbortMultipartUploadCommand');
      const parts = commands.slice(1, -1);
      expect(parts.length).toBeGreaterThanOrEqual(1);
      expect(new Set(parts)).toEqual(new Set(['UploadPartCommand']));
      const uploadId = spy.calls.at(-1)?.input.UploadId;
      expect(uploadId).toEqual(expect.any(String));
      expect(new Set(spy.calls.slice(1).map((call) => call.input.UploadId))).toEqual(new Set([uploadId]));
      expect(partsBeforeAbort).toContain('1');
      expect(await pendingUploads()).toEqual([]);
      expect(await store.exists(key)).toBe(false);
    } finally {
      spy.remove();
    }
  });

  it('keeps the original error in front when the abort itself fails', async () => {
    // s3rver's real answer to AbortMultipartUpload is 405, which stands in for any abort failure
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const key = `abort-fails-${randomUUID()}.bin`;
    const error: unknown = await store.upload(key, chunked(randomBytes(12 * MiB), 10 * MiB)).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('source failed midway');
    expect((error as Error).cause).toMatchObject({ name: 'MethodNotAllowed' });
    // clean up what s3rver could not
    await rm(uploadsDir(), { recursive: true, force: true });
  });

  it('recognises its own conditional write when a lost response made the SDK retry it', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const key = `retry-${randomUUID()}.json`;
    let dropped = 0;
    let attempts = 0;
    const name = `drop-${randomUUID()}`;
    // after the retry middleware: the first PutObject reaches S3, then its response is "lost"
    s3.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') attempts += 1;
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand' && dropped === 0) {
          dropped += 1;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return result;
      },
      { step: 'deserialize', name, priority: 'high' },
    );
    try {
      const { etag } = await store.putText(key, 'mine', { ifNoneMatch: '*' });
      expect(dropped).toBe(1);
      expect(attempts).toBe(2); // the SDK retried, S3 said 412, and the store found its own body
      expect(await store.getText(key)).toEqual({ body: 'mine', etag });
    } finally {
      s3.client.middlewareStack.remove(name);
    }
  });

  it('reads again when a body breaks off after the headers (the SDK does not retry that)', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const key = `broken-body-${randomUUID()}.json`;
    await store.putText(key, 'intact');
    let broken = 0;
    const name = `break-${randomUUID()}`;
    s3.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetObjectCommand' && broken === 0) {
          broken += 1;
          const body = (result.output as { Body?: Readable }).Body;
          body?.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        }
        return result;
      },
      { step: 'initialize', name },
    );
    try {
      expect((await store.getText(key))?.body).toBe('intact');
      expect(broken).toBe(1);
    } finally {
      s3.client.middlewareStack.remove(name);
    }
  });

  it('follows continuation tokens page by page', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket, { pageSize: 3 });
    const p = `pages-${randomUUID()}/`;
    for (let index = 0; index < 7; index += 1) await store.putText(`${p}${index}`, '');
    const spy = spyOnCommands(s3.client);
    try {
      expect(await store.list(p)).toHaveLength(7);
      expect(spy.calls.map((call) => [call.command, call.input.ContinuationToken !== undefined])).toEqual([
        ['ListObjectsV2Command', false],
        ['ListObjectsV2Command', true],
        ['ListObjectsV2Command', true],
      ]);
    } finally {
      spy.remove();
    }
  });

  it('does not mistake a missing bucket for a missing key', async () => {
    const store = new S3ObjectStore(s3.client, `${s3.bucket}-absent`);
    await expect(store.getText('state.json')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('sets Content-Type and Content-Encoding on uploads', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const key = `typed-${randomUUID()}.csv.gz`;
    await store.upload(key, Readable.from([Buffer.from('x')]), {
      contentType: 'text/csv',
      contentEncoding: 'gzip',
    });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head).toMatchObject({ ContentType: 'text/csv', ContentEncoding: 'gzip' });
  });

  it('builds a client from the environment for S3-compatible endpoints', async () => {
    const client = s3ClientFromEnv(
      { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'eu-west-1' },
      'us-east-1',
    );
    try {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(client.config.forcePathStyle).toBe(true);
      expect(await client.config.maxAttempts()).toBe(5);
      expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
      // the SDK's own credential chain (here: the environment) must reach s3rver's fixed keys
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
      vi.stubEnv('AWS_SESSION_TOKEN', '');
      const store = new S3ObjectStore(client, s3.bucket);
      const data = randomBytes(9 * MiB);
      await store.upload('env-client.bin', chunked(data));
      expect(sha256(await readS3Object(s3.client, s3.bucket, 'env-client.bin'))).toBe(sha256(data));
    } finally {
      client.destroy();
    }
  });

  it('uses the metadata region and plain S3 settings without an endpoint', async () => {
    const client = s3ClientFromEnv({ AWS_ENDPOINT_URL: ' ' }, 'ap-southeast-2');
    try {
      expect(await client.config.region()).toBe('ap-southeast-2');
      expect(client.config.forcePathStyle).not.toBe(true);
      expect(await client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    } finally {
      client.destroy();
    }
  });
});

describe('LocalObjectStore specifics', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'snowstage-local-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const lockFile = (key: string): string =>
    join(root, '.snowstage-locks', `${createHash('sha256').update(key).digest('hex')}.lock`);

  it('rejects keys that could escape the root or alias another key', async () => {
    const store = new LocalObjectStore(root);
    for (const key of [
      '../x',
      'a/../b',
      '/abs',
      'a//b',
      'a/',
      '',
      '.snowstage-tmp/x',
      '.snowstage-locks/y',
    ]) {
      await expect(store.putText(key, 'x'), key).rejects.toThrow('cannot be stored in a local directory');
    }
  });

  it('describes itself with a file URL', () => {
    expect(new LocalObjectStore(root).description).toBe(`file://${root}`);
  });

  it('keeps temp and lock files out of listings and cleans them up', async () => {
    const store = new LocalObjectStore(root);
    await store.putText('k/one', '1', { ifNoneMatch: '*' });
    await store.upload('k/two', Readable.from([Buffer.from('22')]));
    await expect(store.upload('k/three', chunked(randomBytes(3 * MiB), MiB))).rejects.toThrow();
    expect(await store.list('')).toEqual([
      { key: 'k/one', size: 1 },
      { key: 'k/two', size: 2 },
    ]);
    expect(await readdir(join(root, '.snowstage-tmp'))).toEqual([]);
    expect(await readdir(join(root, '.snowstage-locks'))).toEqual([]);
  });

  it('serialises two store objects on one directory', async () => {
    const [a, b] = [new LocalObjectStore(root), new LocalObjectStore(root)];
    const v1 = await a.putText('shared.json', 'v1');
    const results = await Promise.allSettled([
      a.putText('shared.json', 'from a', { ifMatch: v1.etag }),
      b.putText('shared.json', 'from b', { ifMatch: v1.etag }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it("waits for another process's lock, and breaks the lock of a process that died", async () => {
    const store = new LocalObjectStore(root);
    const v1 = await store.putText('locked.json', 'v1');

    // a live process (our parent) holds the lock: the write waits until it is released
    await writeFile(lockFile('locked.json'), `${process.ppid}\n`);
    let done = false;
    const write = store.putText('locked.json', 'v2', { ifMatch: v1.etag }).then((result) => {
      done = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);
    await rm(lockFile('locked.json'));
    const v2 = await write;

    // a process that no longer exists: its lock is removed and the write proceeds
    await writeFile(lockFile('locked.json'), `${await deadPid()}\n`);
    await store.putText('locked.json', 'v3', { ifMatch: v2.etag });
    expect((await store.getText('locked.json'))?.body).toBe('v3');
  });
});

/** The pid of a child process that has already exited. */
async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('child process did not start');
  return child.pid;
}
