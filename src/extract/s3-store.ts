/**
 * The ObjectStore on S3 or an S3-compatible store: conditional writes (If-None-Match / If-Match), paged listings,
 * streamed multipart uploads that are aborted when they fail.
 */
import type { Readable } from 'node:stream';
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
import {
  compareEntries,
  measure,
  type ObjectStore,
  PreconditionFailedError,
  type PutTextOptions,
  type StoredText,
  sleep,
  UPLOAD_PART_SIZE,
  UPLOAD_QUEUE_SIZE,
  type UploadOptions,
} from './store.js';

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
        // sent with PutObject and CompleteMultipartUpload (the parts cannot carry it): create, never replace
        IfNoneMatch: '*',
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
      if (isLostPrecondition(error, false)) {
        throw new PreconditionFailedError(`${this.#url(key)} already exists; data files are never replaced`, {
          cause: error,
        });
      }
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
