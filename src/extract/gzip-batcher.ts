/**
 * Collects CSV lines into large batches and feeds them to gzip. zlib is fast per byte but slow per call: one
 * small write per row was 13× slower than batching in our measurements (test-infra.md §5), so rows are
 * concatenated into a string of at least `batchBytes` before each write, and the caller awaits only when
 * gzip asks for backpressure.
 */

import { createHash } from 'node:crypto';
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
  readonly #batchBytes: number;
  /**
   * Lines are copied into a batch buffer that is handed to gzip when full and reused once gzip has read it:
   * collecting lines and concatenating them allocated about as many bytes as the table holds, and that garbage
   * is what drove peak RSS up (freed buffers outlive the scavenges of the objects that point to them).
   */
  #batch: Buffer;
  #fill = 0;
  readonly #spare: Buffer[] = [];
  #rows = 0;
  #uncompressed = 0;
  #compressed = 0;
  /** SHA-256 of the gzip bytes, for the manifest; computed as they pass, no extra stream */
  readonly #hash = createHash('sha256');
  #ended = false;
  #error: Error | undefined;

  constructor(options: GzipBatcherOptions) {
    this.#batchBytes = Math.max(MIN_BATCH, options.batchBytes ?? DEFAULT_BATCH);
    this.#batch = this.#newBatch();
    // zlib streams are Transforms and honour stream options, though ZlibOptions does not declare them
    const gzipOptions: ZlibOptions & TransformOptions = {
      level: options.level,
      chunkSize: 256 * 1024,
      // room for one batch being compressed (on the libuv pool) while the next is built: ~15% faster than
      // the 16 KiB default, which made every batch wait for the previous one
      writableHighWaterMark: 2 * this.#batchBytes + MIN_BATCH,
    };
    this.#gzip = createGzip(gzipOptions);
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        this.#compressed += chunk.length;
        this.#hash.update(chunk);
        done(null, chunk);
      },
    });
    // pipeline destroys both streams when either fails or the consumer destroys `output`
    this.output = pipeline(this.#gzip, counter, (error) => {
      if (error) this.#error ??= error;
    });
    if (options.header) this.#append(options.header);
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
    const waiting = this.#append(line);
    this.#rows++;
    if (waiting) return waiting;
    return this.#fill < this.#batchBytes ? undefined : this.#flush();
  }

  /** Copies a line into the batch; a line that cannot fit in an empty batch goes to gzip on its own. */
  #append(line: string | Buffer): Promise<void> | undefined {
    // a UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4)
    const most = typeof line === 'string' ? line.length * 3 : line.length;
    let waiting: Promise<void> | undefined;
    if (this.#fill + most > this.#batch.length && this.#fill > 0) waiting = this.#flush();
    if (most > this.#batch.length) {
      const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
      this.#uncompressed += bytes.length;
      const written = this.#gzip.write(bytes);
      return waiting ?? (written ? undefined : drained(this.#gzip));
    }
    if (typeof line === 'string') this.#fill += this.#batch.write(line, this.#fill, 'utf8');
    else this.#fill += line.copy(this.#batch, this.#fill);
    return waiting;
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
    if (this.#fill > 0) await this.#flush();
    this.#gzip.end();
    try {
      await finished(this.output);
    } catch (error) {
      throw this.#error ?? error;
    }
    return this.stats;
  }

  /** hex SHA-256 of the whole gzip output; only after end() resolved */
  sha256(): string {
    if (!this.output.readableEnded) throw new Error('GzipBatcher.sha256 before the output ended');
    return this.#hash.copy().digest('hex');
  }

  /** Abandons the file (e.g. the upload failed); the output stream errors with `error`. */
  destroy(error: Error = new Error('GzipBatcher destroyed')): void {
    this.#ended = true;
    this.#error ??= error;
    this.#gzip.destroy(error);
  }

  #newBatch(): Buffer {
    // a full batch plus room for the line that crosses the mark
    return Buffer.allocUnsafeSlow(this.#batchBytes + MIN_BATCH);
  }

  #flush(): Promise<void> | undefined {
    if (this.#error || this.#gzip.destroyed) throw this.#error ?? new Error('gzip stream destroyed');
    const full = this.#batch;
    const bytes = this.#fill;
    this.#batch = this.#spare.pop() ?? this.#newBatch();
    this.#fill = 0;
    this.#uncompressed += bytes;
    // zlib calls back once it has consumed the whole chunk: only then may the buffer be written again
    const written = this.#gzip.write(full.subarray(0, bytes), () => this.#spare.push(full));
    return written ? undefined : drained(this.#gzip);
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
