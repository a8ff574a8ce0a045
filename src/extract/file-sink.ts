/**
 * Rolls CSV rows into gzip files of about `targetBytes` compressed, each streamed to the store while it is being
 * written (multipart for large files), never held whole in memory.
 */
import { GzipBatcher } from './gzip-batcher.js';
import type { ObjectStore } from './store.js';

export interface FileRecord {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  readonly compressedBytes: number;
  readonly sha256: string;
  /** encoded (cursor, key) of the first and last row: the file's place in the extraction order */
  readonly first: RowPosition;
  readonly last: RowPosition;
}

export interface RowPosition {
  readonly cursor: string | null;
  readonly key: readonly string[];
}

export interface FileSinkOptions {
  readonly store: ObjectStore;
  readonly header: string;
  readonly targetBytes: number;
  readonly gzipLevel: number;
  /** the key of the next file (sinks of one run share the sequence) */
  readonly nextKey: () => string;
  /** called after each file is durably uploaded, before the next one starts */
  readonly onFile: (file: FileRecord) => Promise<void>;
  readonly signal?: AbortSignal;
}

interface OpenFile {
  readonly key: string;
  readonly batcher: GzipBatcher;
  readonly uploaded: Promise<{ etag: string; bytes: number }>;
  first: RowPosition | undefined;
  last: RowPosition | undefined;
  /** the last row's raw values, turned into a position only when the file closes */
  lastRow: unknown[] | undefined;
}

export class FileSink {
  readonly files: FileRecord[] = [];
  #open: OpenFile | undefined;

  constructor(
    private readonly options: FileSinkOptions,
    private readonly positionOf: (row: unknown[]) => RowPosition,
  ) {}

  /** Returns a promise only when the caller must wait (gzip backpressure or a file being finalised). */
  write(line: string | Buffer, row: unknown[]): Promise<void> | undefined {
    const file = this.#open ?? this.#start(row);
    file.lastRow = row;
    const waiting = file.batcher.write(line);
    if (file.batcher.compressedBytes >= this.options.targetBytes) {
      return waiting ? waiting.then(() => this.#close()) : this.#close();
    }
    return waiting;
  }

  /** Closes the last file; returns every file written. */
  async finish(): Promise<FileRecord[]> {
    await this.#close();
    return this.files;
  }

  abort(error: Error): void {
    this.#open?.batcher.destroy(error);
    this.#open = undefined;
  }

  #start(row: unknown[]): OpenFile {
    this.options.signal?.throwIfAborted();
    const key = this.options.nextKey();
    const batcher = new GzipBatcher({ level: this.options.gzipLevel, header: this.options.header });
    const uploaded = this.options.store.upload(key, batcher.output, {
      contentType: 'text/csv',
      contentEncoding: 'gzip',
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    // Surface an upload failure on the next write instead of as an unhandled rejection.
    uploaded.catch((error: Error) => batcher.destroy(error));
    const file: OpenFile = {
      key,
      batcher,
      uploaded,
      first: this.positionOf(row),
      last: undefined,
      lastRow: row,
    };
    this.#open = file;
    return file;
  }

  async #close(): Promise<void> {
    const file = this.#open;
    if (!file) return;
    this.#open = undefined;
    const stats = await file.batcher.end();
    await file.uploaded;
    const record: FileRecord = {
      key: file.key,
      rows: stats.rows,
      bytes: stats.uncompressedBytes,
      compressedBytes: stats.compressedBytes,
      sha256: file.batcher.sha256(),
      first: file.first ?? { cursor: null, key: [] },
      last: file.lastRow ? this.positionOf(file.lastRow) : { cursor: null, key: [] },
    };
    this.files.push(record);
    await this.options.onFile(record);
  }
}
