/**
 * Collects CSV lines into large batches and feeds them to gzip. zlib is fast per byte but slow per call: one
 * small write per row was 13× slower than batching in our measurements (test-infra.md §5), so rows are
 * concatenated into a string of at least `batchBytes` before each write, and the caller awaits only when
 * gzip asks for backpressure.
 */
import {
  pipeline,
  type Readable,
  Transform,
  type TransformCallback,
  type TransformOptions,
  type Writable,
} from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

export interface GzipBatcherOptions {
  /** zlib level 0..9 (1 is the speed/size sweet spot for CSV) */
  readonly level: number;
  /** bytes of CSV text collected before one gzip write; at least 64 KiB (default 256 KiB) */
  readonly batchBytes?: number;
  /** written first and not counted as a row, e.g. csvHeader(names) */
  readonly header?: string;
}

export interface GzipBatcherStats {
  readonly rows: number;
  /** UTF-8 bytes handed to gzip so far (header included; lines still in the batch are not counted) */
  readonly uncompressedBytes: number;
  /** gzip bytes emitted on `output` so far; final once end() resolves */
  readonly compressedBytes: number;
}

const MIN_BATCH = 64 * 1024;
// measured on 1M ~250-byte rows: 256 KiB beat 64 KiB and 1 MiB (1 MiB was 20% slower)
const DEFAULT_BATCH = 256 * 1024;

export class GzipBatcher {
  /** The .csv.gz byte stream; pipe it to the uploader. It must be consumed for writes and end() to finish. */
  readonly output: Readable;
  readonly #gzip: Gzip;
  readonly #batchChars: number;
  #pending = '';
  /** lines that arrived as bytes (server-built CSV), kept as buffers so they are never decoded to strings */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  #rows = 0;
  #uncompressed = 0;
  #compressed = 0;
  #ended = false;
  #error: Error | undefined;

  constructor(options: GzipBatcherOptions) {
    // string length counts UTF-16 units, each at least one UTF-8 byte, so `length >= n` means `>= n` bytes
    this.#batchChars = Math.max(MIN_BATCH, options.batchBytes ?? DEFAULT_BATCH);
    // zlib streams are Transforms and honour stream options, though ZlibOptions does not declare them
    const gzipOptions: ZlibOptions & TransformOptions = {
      level: options.level,
      chunkSize: 256 * 1024,
      // room for one batch being compressed (on the libuv pool) while the next is built: ~15% faster than
      // the 16 KiB default, which made every batch wait for the previous one
      writableHighWaterMark: 2 * this.#batchChars + MIN_BATCH,
    };
    this.#gzip = createGzip(gzipOptions);
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        this.#compressed += chunk.length;
        done(null, chunk);
      },
    });
    // pipeline destroys both streams when either fails or the consumer destroys `output`
    this.output = pipeline(this.#gzip, counter, (error) => {
      if (error) this.#error ??= error;
    });
    this.#pending = options.header ?? '';
  }

  /** gzip bytes emitted so far; read per row by the file splitter, so no object is built for it */
  get compressedBytes(): number {
    return this.#compressed;
  }

  get stats(): GzipBatcherStats {
    return { rows: this.#rows, uncompressedBytes: this.#uncompressed, compressedBytes: this.#compressed };
  }

  /**
   * Adds one CSV line. Returns undefined while the batch fills (no await per row); returns a promise only when
   * a batch went to gzip and gzip's buffer is full: `const wait = b.write(line); if (wait) await wait;`.
   */
  write(line: string | Buffer): Promise<void> | undefined {
    if (this.#ended) throw this.#error ?? new Error('GzipBatcher.write after end()');
    if (typeof line === 'string') {
      this.#pending += line;
    } else {
      this.#movePendingToParts();
      this.#parts.push(line);
      this.#partsBytes += line.length;
    }
    this.#rows++;
    return this.#pending.length + this.#partsBytes < this.#batchChars ? undefined : this.#flush();
  }

  /** Keeps the byte order when strings and buffers alternate. */
  #movePendingToParts(): void {
    if (this.#pending.length === 0) return;
    const bytes = Buffer.from(this.#pending, 'utf8');
    this.#pending = '';
    this.#parts.push(bytes);
    this.#partsBytes += bytes.length;
  }

  async writeMany(lines: Iterable<string | Buffer>): Promise<void> {
    for (const line of lines) {
      const wait = this.write(line);
      if (wait) await wait;
    }
  }

  /** Flushes the last batch and finishes the gzip member; resolves with final stats once `output` has ended. */
  async end(): Promise<GzipBatcherStats> {
    if (this.#ended) throw this.#error ?? new Error('GzipBatcher.end called twice');
    this.#ended = true;
    if (this.#pending.length > 0 || this.#partsBytes > 0) await this.#flush();
    this.#gzip.end();
    try {
      await finished(this.output);
    } catch (error) {
      throw this.#error ?? error;
    }
    return this.stats;
  }

  /** Abandons the file (e.g. the upload failed); the output stream errors with `error`. */
  destroy(error: Error = new Error('GzipBatcher destroyed')): void {
    this.#ended = true;
    this.#error ??= error;
    this.#gzip.destroy(error);
  }

  #flush(): Promise<void> | undefined {
    if (this.#error || this.#gzip.destroyed) throw this.#error ?? new Error('gzip stream destroyed');
    let batch: Buffer;
    if (this.#parts.length === 0) {
      batch = Buffer.from(this.#pending, 'utf8');
      this.#pending = '';
    } else {
      this.#movePendingToParts();
      batch =
        this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#partsBytes);
      this.#parts = [];
      this.#partsBytes = 0;
    }
    this.#uncompressed += batch.length;
    return this.#gzip.write(batch) ? undefined : drained(this.#gzip);
  }
}

/** Resolves on 'drain'; rejects if the stream errors or closes first (a dead consumer must not hang us). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('gzip stream closed while waiting for drain'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
