/**
 * A local S3 for tests: s3rver (filesystem-backed fake) behind a thin HTTP shim that fills the two gaps
 * snowstage depends on (reference test-infra.md §1):
 *
 * - Conditional writes. s3rver ignores `If-None-Match: *` / `If-Match: <etag>` on writes and just
 *   overwrites; real S3 answers 412 PreconditionFailed. Lease/lock code relies on that, so the shim
 *   checks the precondition itself, and serialises writes per key so check-and-write is atomic
 *   (two racing `If-None-Match: *` PUTs: exactly one wins, as on S3).
 * - ListObjectsV2 paging. s3rver encrypts continuation tokens with single DES, which OpenSSL 3 (Node 17+)
 *   only offers with `--openssl-legacy-provider`; without it every truncated page is a 500. Instead of
 *   requiring that flag (NODE_OPTIONS) we give s3rver an equivalent cipher, see `installDesFallback`.
 *
 * Used in-process by `startTestS3` and out-of-process by `s3-server-main.ts`; only path-style requests
 * are supported (the client is built with `forcePathStyle`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface TestS3 {
  endpoint: string;
  port: number;
  bucket: string;
  directory: string;
  client: S3Client;
  /** calls `listener` with the key of every object stored, as the store writes it, until the returned function is called */
  onObjectCreated(listener: (key: string) => void): () => void;
  /** stops the server, destroys the client and removes the temp directory */
  close(): Promise<void>;
}

export interface S3ServerOptions {
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  /** where s3rver keeps buckets and objects; the caller owns (and removes) it */
  directory: string;
  /** buckets to create before the server accepts requests */
  buckets?: readonly string[];
}

export interface S3Server {
  endpoint: string;
  port: number;
  directory: string;
  /** the s3rver instance, e.g. for `s3rver.on('event', ...)` notifications */
  s3rver: S3rverInstance;
  close(): Promise<void>;
}

/** s3rver's only accepted credentials: anything else is 403 InvalidAccessKeyId */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

// --- s3rver has no type declarations: the small part we use, typed here -----------------------------

interface S3rverOptions {
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
  resetOnClose: boolean;
}

interface S3rverStore {
  /** rejects with code ENOENT when the object does not exist */
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  putBucket(bucket: string): Promise<unknown>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<unknown>;
}

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: unknown;
}

export interface S3rverInstance {
  store: S3rverStore;
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
  on(event: 'event', listener: (event: unknown) => void): unknown;
  logger: { close(): void };
}

type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;

const require = createRequire(import.meta.url);

// --- public entry points ---------------------------------------------------------------------------

/** In-process S3 with one fresh bucket and a client already pointed at it. */
export async function startTestS3(options: { bucket?: string } = {}): Promise<TestS3> {
  const bucket = options.bucket ?? randomBucketName();
  const directory = await mkdtemp(join(tmpdir(), 'snowstage-s3-'));
  let server: S3Server;
  try {
    server = await startS3Server({ directory });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const client = createTestS3Client(server.endpoint);
  const close = async (): Promise<void> => {
    client.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    // through the API rather than the store, so a broken setup fails here and not in the first test
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    await close();
    throw error;
  }
  const listeners = new Set<(key: string) => void>();
  onS3rverEvent(server, (event) => {
    if (!event.name.startsWith('ObjectCreated')) return;
    for (const listener of listeners) listener(event.key);
  });
  const onObjectCreated = (listener: (key: string) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { endpoint: server.endpoint, port: server.port, bucket, directory, client, onObjectCreated, close };
}

/** An S3 event notification as s3rver emits it: its event name and its object's key, decoded. */
export interface S3Event {
  readonly name: string;
  readonly key: string;
}

/** Calls `listener` with every event the server emits (objects created, deleted, copied), as the store acts. */
export function onS3rverEvent(server: S3Server, listener: (event: S3Event) => void): void {
  server.s3rver.on('event', (event) => {
    const record = (event as { Records?: { eventName?: string; s3?: { object?: { key?: string } } }[] })
      .Records?.[0];
    listener({ name: record?.eventName ?? '', key: decodeURIComponent(record?.s3?.object?.key ?? '') });
  });
}

/** The S3 client settings that work against s3rver (test-infra.md §1). */
export function createTestS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    // SDK default checksums send stream bodies aws-chunked, which s3rver stores framing and all
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** `snowstage-test-<hex>`: lower-case, 3-63 chars, so a valid S3 bucket name. */
export function randomBucketName(): string {
  return `snowstage-test-${randomBytes(6).toString('hex')}`;
}

/** The shimmed s3rver on its own `http.Server`; shared by `startTestS3` and `s3-server-main.ts`. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  installDesFallback();
  const S3rver = require('s3rver') as S3rverConstructor;
  const s3rver = new S3rver({
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
    resetOnClose: false,
  });
  for (const bucket of options.buckets ?? []) await s3rver.store.putBucket(bucket);
  installDurablePut(s3rver.store);

  const handler = conditionalWriteShim(s3rver);
  const http = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => sendInternalError(response, error));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    // clients keep sockets alive; without this close() waits for them to time out
    http.closeAllConnections();
    await closed;
    s3rver.logger.close();
  };
  return {
    endpoint: `http://${hostForUrl(host)}:${port}`,
    port,
    directory: options.directory,
    s3rver,
    close,
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

// --- conditional writes ----------------------------------------------------------------------------

interface ObjectTarget {
  bucket: string;
  key: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * Requests that replace or remove an object's current version: PutObject, CopyObject (destination),
 * CompleteMultipartUpload and DeleteObject. Part uploads, tagging and ACLs do not, so they pass untouched.
 */
function objectWriteTarget(request: IncomingMessage): ObjectTarget | undefined {
  const url = new URL(request.url ?? '/', 'http://s3.local');
  const match = /^\/([^/]+)\/(.+)$/s.exec(url.pathname);
  if (match === null) return undefined;
  const [, bucket = '', encodedKey = ''] = match;
  const query = url.searchParams;
  const isWrite =
    (request.method === 'PUT' && !query.has('uploadId') && !query.has('tagging') && !query.has('acl')) ||
    (request.method === 'POST' && query.has('uploadId')) ||
    (request.method === 'DELETE' && !query.has('uploadId') && !query.has('tagging'));
  if (!isWrite) return undefined;
  try {
    return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(encodedKey) };
  } catch {
    return undefined; // malformed escape: let s3rver produce its own error
  }
}

function conditionalWriteShim(s3rver: S3rverInstance): Handler {
  const s3rverHandler = s3rver.callback();
  const locks = new KeyedMutex();
  return async (request, response) => {
    const target = objectWriteTarget(request);
    if (target === undefined) {
      s3rverHandler(request, response);
      return;
    }
    // Held until the response is done, so no other write to the key lands between check and write.
    const release = await locks.acquire(`${target.bucket}/${target.key}`);
    response.once('close', release);
    if (response.socket === null || response.socket.destroyed) release(); // client gone while we waited
    const failure = await checkPreconditions(s3rver.store, target, request);
    if (failure === undefined) {
      s3rverHandler(request, response);
      return;
    }
    request.resume(); // discard the unread body so the client sees our answer, not a reset
    sendS3Error(response, failure);
  };
}

interface S3ErrorReply {
  status: number;
  code: string;
  message: string;
  detail?: Record<string, string>;
}

const PRECONDITION_FAILED = 'At least one of the pre-conditions you specified did not hold';

async function checkPreconditions(
  store: S3rverStore,
  target: ObjectTarget,
  request: IncomingMessage,
): Promise<S3ErrorReply | undefined> {
  const ifNoneMatch = headerValue(request.headers, 'if-none-match');
  const ifMatch = headerValue(request.headers, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const current = await currentEtag(store, target);
  if (request.method === 'DELETE') return checkDeletePrecondition(ifMatch, current, target);
  if (ifNoneMatch !== undefined && current !== undefined && etagListMatches(ifNoneMatch, current)) {
    return preconditionFailed('If-None-Match');
  }
  // A missing object fails If-Match with 412 here. Real S3 may answer 404 NoSuchKey for that case
  // instead, so callers should treat both as "someone else changed it".
  if (ifMatch !== undefined && (current === undefined || !etagListMatches(ifMatch, current))) {
    return preconditionFailed('If-Match');
  }
  return undefined;
}

/** DeleteObject honours If-Match only (S3 added it in 2025): 412 on a different ETag, 404 when absent. */
function checkDeletePrecondition(
  ifMatch: string | undefined,
  current: string | undefined,
  target: ObjectTarget,
): S3ErrorReply | undefined {
  if (ifMatch === undefined) return undefined;
  if (current === undefined) {
    return {
      status: 404,
      code: 'NoSuchKey',
      message: 'The specified key does not exist.',
      detail: { Key: target.key },
    };
  }
  return etagListMatches(ifMatch, current) ? undefined : preconditionFailed('If-Match');
}

function preconditionFailed(condition: string): S3ErrorReply {
  return {
    status: 412,
    code: 'PreconditionFailed',
    message: PRECONDITION_FAILED,
    detail: { Condition: condition },
  };
}

async function currentEtag(store: S3rverStore, target: ObjectTarget): Promise<string | undefined> {
  try {
    return normaliseEtag((await store.getMetadata(target.bucket, target.key)).etag);
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

/** `*` matches any existing object; otherwise a comma-separated list of (possibly quoted/weak) ETags. */
function etagListMatches(header: string, current: string): boolean {
  return header
    .split(',')
    .some((candidate) => candidate.trim() === '*' || normaliseEtag(candidate) === current);
}

function normaliseEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sendS3Error(response: ServerResponse, reply: S3ErrorReply): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const fields = { Code: reply.code, Message: reply.message, ...reply.detail, RequestId: requestId };
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Error>${Object.entries(fields)
      .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
      .join('')}</Error>`,
  ].join('\n');
  response.writeHead(reply.status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  response.end(body);
}

function sendInternalError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendS3Error(response, { status: 500, code: 'InternalError', message });
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** One-at-a-time per key; waiters run in arrival order. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

// --- ListObjectsV2 paging on OpenSSL 3 -------------------------------------------------------------

type CipherFactory = (algorithm: string, key: unknown, iv: unknown, ...rest: unknown[]) => unknown;
interface CipherFactories {
  createCipheriv: CipherFactory;
  createDecipheriv: CipherFactory;
}

let desFallbackInstalled = false;

/**
 * s3rver calls `crypto.createCipheriv('des', key, iv)` for ListObjectsV2 continuation tokens. OpenSSL 3
 * moved single DES to the legacy provider, which Node loads only with `--openssl-legacy-provider`.
 * Three-key DES-EDE with K1 = K2 = K3 is exactly single DES (encrypt, decrypt, encrypt with one key),
 * and `des-ede3-cbc` is still in the default provider, so tokens come out byte-identical. Only the
 * 'des' algorithm is redirected, and only when this Node cannot do it natively; nothing else changes.
 */
function installDesFallback(): void {
  if (desFallbackInstalled || desIsSupported()) return;
  const crypto = require('node:crypto') as CipherFactories; // the object s3rver's require('crypto') sees
  const redirect =
    (original: CipherFactory): CipherFactory =>
    (algorithm, key, iv, ...rest) =>
      algorithm.toLowerCase() === 'des' && Buffer.isBuffer(key) && key.length === 8
        ? original('des-ede3-cbc', Buffer.concat([key, key, key]), iv, ...rest)
        : original(algorithm, key, iv, ...rest);
  crypto.createCipheriv = redirect(crypto.createCipheriv.bind(crypto));
  crypto.createDecipheriv = redirect(crypto.createDecipheriv.bind(crypto));
  desFallbackInstalled = true;
}

function desIsSupported(): boolean {
  try {
    const crypto = require('node:crypto') as CipherFactories;
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

/**
 * s3rver answers a PUT before the object's bytes are on disk (it resolves on `writeStream.end()`, not on the
 * stream's close), so a GET right after a completed PUT could read an empty or partial object on a busy machine,
 * which real S3 never does. Objects are written to a temporary file next to the final one (s3rver lists only
 * names ending in its own suffix) and renamed into place once closed.
 */
function installDurablePut(store: S3rverStore): void {
  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.writing`;
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, count, createWriteStream(temporary));
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
