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
import { createHash, type Hash } from 'node:crypto';
import { addAbortSignal, pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';

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
   * Streams `body` to a new `key`, multipart for large bodies. Create-only (`If-None-Match: *`): data files are
   * never replaced, and the generated extractor policy allows no other data write; an existing key is a
   * `PreconditionFailedError`. On any failure nothing is left behind (on S3 the multipart upload is aborted)
   * and the error is rethrown; `body` is destroyed so its producer stops.
   */
  upload(key: string, body: Readable, options?: UploadOptions): Promise<{ etag: string; bytes: number }>;
}

/**
 * lib-storage part size: S3's minimum. 10,000 parts of 5 MiB allow 48 GiB per file, far above any sensible
 * batch, and a backfill over several connections uploads several files at once (memory per upload is about
 * (queue + 1) × part size; 8 MiB parts were no faster in bench/extract.ts).
 */
export const UPLOAD_PART_SIZE = 5 * 1024 * 1024;
/**
 * parts in flight per upload; memory use is about (queue + 1) × part size. One: a backfill over several
 * connections uploads several files at once, and two in flight per file was no faster in bench/extract.ts.
 */
export const UPLOAD_QUEUE_SIZE = 1;

// --- S3 ------------------------------------------------------------------------------------------

/** ETags compare without quotes or a weak prefix: S3 quotes them, hand-written values may not be. */
export function etagsEqual(a: string, b: string): boolean {
  return normaliseEtag(a) === normaliseEtag(b);
}

export function normaliseEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

export function sha256Etag(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('hex')}"`;
}

/** S3 lists keys in UTF-8 byte order; plain string comparison (UTF-16) differs above U+FFFF. */
export function compareEntries(a: { key: string }, b: { key: string }): number {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/** Counts (and for local files hashes) the bytes passing through on their way to the store. */
export class Meter extends Transform {
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
export function measure(body: Readable, signal: AbortSignal | undefined): Meter {
  const meter = new Meter(false);
  // errors reach the upload through `meter`; the callback only keeps them from being unhandled
  pipeline(body, meter, () => undefined);
  if (signal !== undefined) addAbortSignal(signal, meter);
  return meter;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
