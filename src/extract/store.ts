/**
 * Where the extractor keeps what it writes: data files, manifests, per-table state and the lease. In production
 * that is the stage bucket (S3 or an S3-compatible store); in development a local directory that behaves the
 * same way, conditional writes included, so lease and state logic can be exercised without S3.
 *
 * Conditional writes are what make state and the lease safe, so both stores agree on their meaning:
 * - `ifNoneMatch: '*'` writes only when the key does not exist; `ifMatch: etag` only when it holds that version.
 *   A lost condition is a `PreconditionFailedError`, whatever the backend calls it.
 * - A conditional write that finds exactly its own body already in place counts as done. On S3 that is how a
 *   write whose response was lost (and which the SDK then retried, now failing its own precondition) is told
 *   apart from a real conflict. Bodies written under a condition (state, lease) carry a run id, so two writers
 *   never produce the same text by accident.
 */
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent, type Stats } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { addAbortSignal, pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** A conditional write or delete lost: the object was created, changed or removed by someone else. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

export interface StoredText {
  body: string;
  /** opaque version tag (quoted, as S3 returns it); pass it back as `ifMatch` */
  etag: string;
}

export interface PutTextOptions {
  ifNoneMatch?: '*';
  ifMatch?: string;
  contentType?: string;
}

export interface UploadOptions {
  contentType?: string;
  contentEncoding?: string;
  /** aborting fails the upload (and cleans up) like any other error */
  signal?: AbortSignal;
}

export interface ObjectStore {
  /** e.g. "s3://bucket" or "file:///path", for messages and logs */
  readonly description: string;
  /** undefined when the key does not exist */
  getText(key: string): Promise<StoredText | undefined>;
  putText(key: string, body: string, options?: PutTextOptions): Promise<{ etag: string }>;
  /** a missing key is not an error, unless `ifMatch` is given (then it is a lost precondition) */
  delete(key: string, options?: { ifMatch?: string }): Promise<void>;
  /** every key starting with `prefix` (all pages), sorted by key in UTF-8 byte order as S3 lists them */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
  exists(key: string): Promise<boolean>;
  /**
   * Streams `body` to `key`, multipart for large bodies. On any failure nothing is left behind (on S3 the
   * multipart upload is aborted) and the error is rethrown; `body` is destroyed so its producer stops.
   */
  upload(key: string, body: Readable, options?: UploadOptions): Promise<{ etag: string; bytes: number }>;
}

/** lib-storage part size: 10,000 parts of 8 MiB allow 78 GiB per file, far above any sensible batch */
export const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
/** parts in flight per upload; memory use is about (queue + 1) × part size */
export const UPLOAD_QUEUE_SIZE = 2;

// --- S3 ------------------------------------------------------------------------------------------

/** tries at reading a small object whose body breaks off midway */
const BODY_READ_ATTEMPTS = 3;

export interface S3ObjectStoreOptions {
  /** ListObjectsV2 MaxKeys (S3 default and maximum: 1000); tests set it small to exercise paging */
  readonly pageSize?: number;
}

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #pageSize: number | undefined;

  constructor(client: S3Client, bucket: string, options: S3ObjectStoreOptions = {}) {
    this.#client = client;
    this.#bucket = bucket;
    this.#pageSize = options.pageSize;
    this.description = `s3://${bucket}`;
  }

  /**
   * The SDK retries a GET that fails before the response headers, not one whose body breaks off afterwards
   * (a connection reset mid-body): that is retried here, since reading again is always safe.
   */
  async getText(key: string): Promise<StoredText | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      let output: GetObjectCommandOutput;
      try {
        output = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      } catch (error) {
        if (isMissingKey(error)) return undefined;
        throw error;
      }
      try {
        const body = output.Body === undefined ? '' : await output.Body.transformToString('utf-8');
        return { body, etag: this.#requireEtag(output.ETag, key) };
      } catch (error) {
        if (attempt >= BODY_READ_ATTEMPTS || error instanceof S3ServiceException) throw error;
        await sleep(50 * attempt);
      }
    }
  }

  async putText(key: string, body: string, options: PutTextOptions = {}): Promise<{ etag: string }> {
    const command = new PutObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      Body: body,
      // explicit, because the SDK sends no Content-Length for an empty string and S3 then refuses the PUT
      ContentLength: Buffer.byteLength(body, 'utf8'),
      ContentType: options.contentType ?? 'text/plain; charset=utf-8',
      IfNoneMatch: options.ifNoneMatch,
      IfMatch: options.ifMatch,
    });
    try {
      const output = await this.#client.send(command);
      return { etag: this.#requireEtag(output.ETag, key) };
    } catch (error) {
      const conditional = options.ifNoneMatch !== undefined || options.ifMatch !== undefined;
      if (!conditional || !isLostPrecondition(error, options.ifMatch !== undefined)) throw error;
      return this.#ownWriteOrFail(key, body, error);
    }
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<void> {
    try {
      await this.#client.send(
        new DeleteObjectCommand({ Bucket: this.#bucket, Key: key, IfMatch: options.ifMatch }),
      );
    } catch (error) {
      if (options.ifMatch !== undefined && isLostPrecondition(error, true)) {
        throw new PreconditionFailedError(`${this.#url(key)} changed or vanished; not deleted`, {
          cause: error,
        });
      }
      // S3 answers 204 for a missing key; some S3-compatible stores answer 404
      if (options.ifMatch === undefined && isMissingKey(error)) return;
      throw error;
    }
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const entries: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          MaxKeys: this.#pageSize,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) entries.push({ key: item.Key, size: item.Size ?? 0 });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return entries.sort(compareEntries);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (error) {
      // HEAD responses have no body, so a missing bucket is also a bare 404 here; other calls tell them apart
      if (isMissingKey(error)) return false;
      throw error;
    }
  }

  async upload(
    key: string,
    body: Readable,
    options: UploadOptions = {},
  ): Promise<{ etag: string; bytes: number }> {
    const measured = measure(body, options.signal);
    const upload = new Upload({
      client: this.#client,
      params: {
        Bucket: this.#bucket,
        Key: key,
        Body: measured,
        ContentType: options.contentType,
        ContentEncoding: options.contentEncoding,
      },
      partSize: UPLOAD_PART_SIZE,
      queueSize: UPLOAD_QUEUE_SIZE,
      // We abort ourselves (see #abandon): lib-storage's own abort error would replace the original one.
      leavePartsOnError: true,
    });
    try {
      const output = await upload.done();
      return { etag: this.#requireEtag(output.ETag, key), bytes: measured.bytes };
    } catch (error) {
      measured.destroy(); // the failure may have come from S3: stop the producer too
      await this.#abandon(key, upload.uploadId, error);
      throw error;
    }
  }

  /**
   * Aborts a failed multipart upload so its parts stop costing storage. `upload.done()` settles only after
   * every part request has finished (we never call `Upload.abort()`, which would settle it early), so no part
   * can land after the abort. If the abort itself fails the original error still wins, with the abort
   * failure as its cause; a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop.
   */
  async #abandon(key: string, uploadId: string | undefined, error: unknown): Promise<void> {
    if (uploadId === undefined) return; // a single PUT, or failed before a multipart upload existed
    try {
      await this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }),
      );
    } catch (abortError) {
      if (s3ErrorName(abortError) === 'NoSuchUpload') return; // already completed or aborted
      if (error instanceof Error && error.cause === undefined) error.cause = abortError;
    }
  }

  /** See the module comment: a lost precondition is ours after all when our exact body is in place. */
  async #ownWriteOrFail(key: string, body: string, cause: unknown): Promise<{ etag: string }> {
    const current = await this.getText(key);
    if (current !== undefined && current.body === body) return { etag: current.etag };
    throw new PreconditionFailedError(
      `conditional write to ${this.#url(key)} lost: it was changed by another writer`,
      {
        cause,
      },
    );
  }

  #requireEtag(etag: string | undefined, key: string): string {
    if (etag === undefined || etag === '') {
      throw new Error(`${this.#url(key)}: the response carried no ETag (is a proxy stripping headers?)`);
    }
    return etag;
  }

  #url(key: string): string {
    return `${this.description}/${key}`;
  }
}

function s3ErrorName(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

function s3Status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** 404 for the key itself; a missing bucket must fail loudly rather than look like "no state yet" */
function isMissingKey(error: unknown): boolean {
  const name = s3ErrorName(error);
  return name !== 'NoSuchBucket' && (name === 'NoSuchKey' || name === 'NotFound' || s3Status(error) === 404);
}

/**
 * 412 PreconditionFailed, or 409 ConditionalRequestConflict (S3's answer when a concurrent conditional
 * request on the key is in flight). With If-Match, a 404 means the version we expected is gone: also lost.
 */
function isLostPrecondition(error: unknown, withIfMatch: boolean): boolean {
  const name = s3ErrorName(error);
  const status = s3Status(error);
  if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') return true;
  if (status === 412 || status === 409) return true;
  return withIfMatch && isMissingKey(error);
}

/**
 * S3 client for the stage bucket. Credentials come from the SDK's default chain (environment, profile, SSO,
 * container/instance role); we never read keys ourselves. A custom endpoint means an S3-compatible store
 * (MinIO, s3rver, ...): those want path-style URLs and mishandle the aws-chunked uploads with trailing
 * checksums the SDK sends by default (s3rver stores the chunk framing as data), so checksums are then
 * computed only where an operation requires them.
 */
export function s3ClientFromEnv(env: Readonly<Record<string, string | undefined>>, region: string): S3Client {
  const config: S3ClientConfig = {
    region: nonEmpty(env.AWS_REGION) ?? region,
    // the SDK retries 5xx, throttling and connection resets with backoff; a few more tries than the
    // default 3 ride out a short S3 brown-out instead of failing a whole extract run
    maxAttempts: 5,
    // The SDK sets no socket timeout for S3, so a connection that stalls mid-response would hang the run for
    // good. These are inactivity limits (an 8 MiB part streaming slowly is fine); the timeout is retried.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
  };
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint === undefined) return new S3Client(config);
  return new S3Client({
    ...config,
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

// --- local directory -----------------------------------------------------------------------------

/** temp files live inside the root so the final rename stays on one filesystem (and so is atomic) */
const TEMP_DIR = '.snowstage-tmp';
const LOCK_DIR = '.snowstage-locks';
const RESERVED_ROOT_NAMES = new Set([TEMP_DIR, LOCK_DIR]);
/** how long a write waits for another process's lock before giving up */
const LOCK_WAIT_MS = 10_000;
/** a lock file still empty after this long was left by a process that died while creating it */
const EMPTY_LOCK_STALE_MS = 5_000;

/**
 * Keys map to files under the root ("a/b.csv.gz" → root/a/b.csv.gz). Writes go to a temp file first and are
 * renamed into place, so readers never see half a file. Conditional writes are safe between processes on
 * one machine: every write to a key holds a per-key lock (an in-process mutex plus an O_EXCL lock file
 * holding the pid), and creations use link(2), which fails if the key appeared meanwhile. ETags are the
 * quoted sha256 of the content. Not for network filesystems (lock files and links are not reliable there);
 * content type/encoding are not stored; directories left empty by deletes are not removed (listing ignores
 * them). A key cannot be both an object and a "folder" of other keys, which S3 allows but files do not.
 */
export class LocalObjectStore implements ObjectStore {
  readonly description: string;
  readonly #root: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
    this.description = pathToFileURL(this.#root).href;
  }

  async getText(key: string): Promise<StoredText | undefined> {
    const content = await readFileIfPresent(this.#path(key));
    return content === undefined ? undefined : { body: content.toString('utf8'), etag: sha256Etag(content) };
  }

  async putText(key: string, body: string, options: PutTextOptions = {}): Promise<{ etag: string }> {
    const target = this.#path(key);
    const content = Buffer.from(body, 'utf8');
    const temp = await this.#tempPath();
    try {
      await writeFile(temp, content, { flag: 'wx' });
      await this.#locked(key, () => this.#commitText(key, target, temp, content, options));
      return { etag: sha256Etag(content) };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<void> {
    const target = this.#path(key);
    await this.#locked(key, async () => {
      const ifMatch = options.ifMatch;
      if (ifMatch !== undefined) {
        const current = await readFileIfPresent(target);
        if (current === undefined || !etagsEqual(ifMatch, sha256Etag(current))) {
          throw new PreconditionFailedError(`${this.#url(key)} changed or vanished; not deleted`);
        }
      }
      await unlinkIfPresent(target);
    });
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    // walk only the deepest folder the prefix names in full; S3 prefixes may end mid-name ("books/2024-0")
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const directory = folder === '' ? this.#root : this.#path(folder.slice(0, -1));
    const entries: { key: string; size: number }[] = [];
    await this.#walk(directory, folder, prefix.slice(folder.length), entries);
    return entries.sort(compareEntries);
  }

  async exists(key: string): Promise<boolean> {
    return (await statIfPresent(this.#path(key)))?.isFile() === true;
  }

  async upload(
    key: string,
    body: Readable,
    options: UploadOptions = {},
  ): Promise<{ etag: string; bytes: number }> {
    const target = this.#path(key);
    const temp = await this.#tempPath();
    const meter = new Meter(true);
    try {
      const signal = options.signal === undefined ? {} : { signal: options.signal };
      await pipelineAsync(body, meter, createWriteStream(temp, { flags: 'wx' }), signal);
      await this.#locked(key, async () => {
        await mkdir(dirname(target), { recursive: true });
        await rename(temp, target);
      });
      return { etag: meter.etag(), bytes: meter.bytes };
    } catch (error) {
      body.destroy();
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Runs inside the key's lock: checks the precondition against what is on disk, then moves `temp` in. */
  async #commitText(
    key: string,
    target: string,
    temp: string,
    content: Buffer,
    options: PutTextOptions,
  ): Promise<void> {
    const current = await readFileIfPresent(target);
    if (!preconditionHolds(current, options)) {
      if (current?.equals(content) === true) return; // our body is already there: see the module comment
      throw new PreconditionFailedError(
        `conditional write to ${this.#url(key)} lost: it was changed by another writer`,
      );
    }
    await mkdir(dirname(target), { recursive: true });
    if (options.ifNoneMatch === undefined) {
      await rename(temp, target);
      return;
    }
    try {
      await link(temp, target); // atomic create-if-absent even if a lock was wrongly broken
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        throw new PreconditionFailedError(`${this.#url(key)} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async #walk(
    directory: string,
    keyPrefix: string,
    namePrefix: string,
    out: { key: string; size: number }[],
  ): Promise<void> {
    const children = await readDirIfPresent(directory);
    for (const child of children) {
      if (!child.name.startsWith(namePrefix)) continue;
      if (keyPrefix === '' && RESERVED_ROOT_NAMES.has(child.name)) continue;
      const path = join(directory, child.name);
      const key = `${keyPrefix}${child.name}`;
      if (child.isDirectory()) {
        await this.#walk(path, `${key}/`, '', out);
      } else if (child.isFile()) {
        const info = await statIfPresent(path);
        if (info !== undefined) out.push({ key, size: info.size }); // deleted meanwhile: skip
      }
    }
  }

  /** Serialises writes to one key across this process (mutex) and other processes (lock file). */
  async #locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockPath = join(this.#root, LOCK_DIR, `${createHash('sha256').update(key).digest('hex')}.lock`);
    const release = await IN_PROCESS_LOCKS.acquire(lockPath);
    try {
      await acquireLockFile(lockPath);
      try {
        return await work();
      } finally {
        await rm(lockPath, { force: true });
      }
    } finally {
      release();
    }
  }

  async #tempPath(): Promise<string> {
    const directory = join(this.#root, TEMP_DIR);
    await mkdir(directory, { recursive: true });
    return join(directory, `${randomUUID()}.tmp`);
  }

  #path(key: string): string {
    return join(this.#root, ...localKeySegments(key));
  }

  #url(key: string): string {
    return `${this.description}/${key}`;
  }
}

/** Keys must be plain relative paths: anything else could escape the root or alias another key. */
function localKeySegments(key: string): string[] {
  const segments = key.split('/');
  const invalid =
    key.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..') ||
    RESERVED_ROOT_NAMES.has(segments[0] ?? '');
  if (invalid) {
    throw new Error(
      `object key ${JSON.stringify(key)} cannot be stored in a local directory: use non-empty "/"-separated ` +
        `names other than "." and ".." (and not starting with ${TEMP_DIR} or ${LOCK_DIR})`,
    );
  }
  return segments;
}

function preconditionHolds(current: Buffer | undefined, options: PutTextOptions): boolean {
  if (options.ifNoneMatch === '*' && current !== undefined) return false;
  if (options.ifMatch === undefined) return true;
  return current !== undefined && etagsEqual(options.ifMatch, sha256Etag(current));
}

/** Creates the lock file or waits for it; a lock whose holder process is gone is removed. */
async function acquireLockFile(lockPath: string): Promise<void> {
  await mkdir(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    if (await removeIfAbandoned(lockPath)) continue;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${LOCK_WAIT_MS} ms waiting for ${lockPath}; if no snowstage process is using this ` +
          'directory, delete the file',
      );
    }
    await sleep(2 + Math.random() * 8);
  }
}

/**
 * A holder that died inside its (millisecond-long) critical section leaves its lock behind. Removing it is
 * racy if two waiters notice at the same moment; that needs a crash plus two contenders on one key, which a
 * development store can live with.
 */
async function removeIfAbandoned(lockPath: string): Promise<boolean> {
  const content = await readFileIfPresent(lockPath);
  if (content === undefined) return true; // released meanwhile: try again at once
  const pid = Number.parseInt(content.toString('utf8'), 10);
  let abandoned: boolean;
  if (Number.isSafeInteger(pid) && pid > 0) {
    abandoned = pid !== process.pid && !processIsAlive(pid);
  } else {
    const info = await statIfPresent(lockPath);
    abandoned = info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_STALE_MS;
  }
  if (abandoned) await rm(lockPath, { force: true });
  return abandoned;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, but belongs to someone else
  }
}

/** One-at-a-time per key; waiters run in arrival order. */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

/** module-wide, so two store objects on one directory in one process also take turns without polling */
const IN_PROCESS_LOCKS = new KeyedMutex();

// --- shared helpers ------------------------------------------------------------------------------

/** ETags compare without quotes or a weak prefix: S3 quotes them, hand-written values may not be. */
export function etagsEqual(a: string, b: string): boolean {
  return normaliseEtag(a) === normaliseEtag(b);
}

function normaliseEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

function sha256Etag(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('hex')}"`;
}

/** S3 lists keys in UTF-8 byte order; plain string comparison (UTF-16) differs above U+FFFF. */
function compareEntries(a: { key: string }, b: { key: string }): number {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/** Counts (and for local files hashes) the bytes passing through on their way to the store. */
class Meter extends Transform {
  bytes = 0;
  readonly #hash: Hash | undefined;

  constructor(hash: boolean) {
    super();
    this.#hash = hash ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.#hash?.update(chunk);
    callback(null, chunk);
  }

  etag(): string {
    if (this.#hash === undefined) throw new Error('Meter was created without hashing');
    return `"${this.#hash.digest('hex')}"`;
  }
}

/**
 * `body` piped through a byte counter. pipeline() ties the two together: an error in either destroys both,
 * so a failing source fails the upload and a failed upload stops the source. Aborting `signal` destroys
 * them with an AbortError.
 */
function measure(body: Readable, signal: AbortSignal | undefined): Meter {
  const meter = new Meter(false);
  // errors reach the upload through `meter`; the callback only keeps them from being unhandled
  pipeline(body, meter, () => undefined);
  if (signal !== undefined) addAbortSignal(signal, meter);
  return meter;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** ENOENT, or ENOTDIR when a "folder" of the key is a file: the key does not exist */
function isAbsent(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readFileIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isAbsent(error) || errorCode(error) === 'EISDIR') return undefined; // a folder is not an object
    throw error;
  }
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function readDirIfPresent(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isAbsent(error)) return [];
    throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  if ((await statIfPresent(path))?.isFile() !== true) return; // a folder is not an object
  try {
    await unlink(path);
  } catch (error) {
    if (!isAbsent(error)) throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
