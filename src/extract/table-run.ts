import type { TableModel } from '../model/types.js';
import { EncodeError } from './encode-core.js';
import { type FileRecord, FileSink, type RowPosition } from './file-sink.js';
import type { Lease } from './lease.js';
import type { MysqlSource } from './mysql-source.js';
import { dataFileKey, manifestKey, stateKey } from './naming.js';
import { NulledCursors } from './nulled-cursors.js';
import * as queries from './queries.js';
import type { RowPlan } from './row-plan.js';
import { type ExtractDeps, RunFailure, type TableRunResult } from './run-types.js';
import { canSlice, planSlices, readConcurrently } from './slices.js';
import { type BackfillSlice, saveState, type TableState } from './state.js';
import { lookbackLower, upperBound } from './window.js';

/** How often a table with nothing new still writes its state (lastRun), so status shows the extractor runs. */
export const RECORD_QUIET_RUN_MS = 60 * 60 * 1000;

/** What one attempt at a table works with: the lease it holds, its connection, its row plan and run id. */
export interface TableRunAttempt {
  readonly lease: Lease;
  readonly source: MysqlSource;
  readonly plan: RowPlan;
  readonly runId: string;
  /** every file this table run uploaded, across attempts: what a failed run reports it did */
  readonly uploaded?: FileRecord[];
  /** the loaded state already records whose it is (false: older state, which the next save completes) */
  readonly identityRecorded?: boolean;
}

/** The state and writers of one attempt. */
export class TableRun {
  readonly #started: Date;
  readonly #plan: RowPlan;
  readonly #encodeRow: (row: unknown[]) => string | Buffer;
  readonly #positionOf: (row: unknown[]) => RowPosition;
  readonly #manifestFiles: FileRecord[] = [];
  #writes: Promise<void> = Promise.resolve();
  #fileSequence = 0;
  #rows = 0;
  #bytes = 0;
  /** backfill: the server's estimate of the table's rows, for progress (undefined when unknown) */
  #estimatedRows: number | undefined;

  readonly #lease: Lease;
  readonly #source: MysqlSource;
  readonly #runId: string;
  readonly #uploaded: FileRecord[] | undefined;
  readonly #identityRecorded: boolean | undefined;

  constructor(
    private readonly table: TableModel,
    private readonly deps: ExtractDeps,
    attempt: TableRunAttempt,
    private state: TableState,
    private etag: string | undefined,
  ) {
    this.#started = deps.now();
    this.#lease = attempt.lease;
    this.#source = attempt.source;
    this.#runId = attempt.runId;
    this.#uploaded = attempt.uploaded;
    this.#identityRecorded = attempt.identityRecorded;
    this.#plan = attempt.plan;
    this.#encodeRow = this.#plan.encodeRow;
    this.#positionOf = this.#plan.positionOf;
  }

  async backfill(): Promise<TableRunResult> {
    const backfill = this.state.backfill ?? (await this.#newBackfill());
    this.#estimatedRows = await this.#estimateRows();
    if (!this.state.backfill) await this.#save({ ...this.state, backfill });
    const window = { lower: null, upper: backfill.upperCursor };
    // One connection keeps its progress in lastKey; a split backfill keeps one entry per key range.
    const slices: BackfillSlice[] = backfill.slices?.map((s) => ({ ...s })) ?? [
      { after: null, through: null, lastKey: backfill.lastKey, done: false },
    ];
    const progress = (): NonNullable<TableState['backfill']> =>
      backfill.slices
        ? { ...backfill, lastKey: null, slices: slices.map((s) => ({ ...s })) }
        : { ...backfill, lastKey: slices[0]?.lastKey ?? null, slices: null };
    const files = await this.#readSlices(slices, async (slice, file) => {
      slice.lastKey = [...file.last.key];
      await this.#serially(async () => {
        await this.#writeManifest('backfill', 'in_progress', window);
        await this.#lease.assertHeld();
        await this.#save({ ...this.state, backfill: progress() });
      });
    });
    await this.#writeManifest('backfill', 'complete', window);
    await this.#lease.assertHeld();
    await this.#save(
      this.#finished({ watermark: { cursor: backfill.upperCursor, key: [] }, backfill: null }, files, window),
    );
    return this.#result('backfill', files, window, true);
  }

  /** The whole table's estimated rows (a resumed backfill counts only this run's rows against it). */
  async #estimateRows(): Promise<number | undefined> {
    const statement = queries.estimatedRows(this.table);
    const [row] = await this.#source.query<{ n: string | null }>(statement.sql, statement.values);
    const n = Number(row?.n ?? Number.NaN);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }

  async #newBackfill(): Promise<NonNullable<TableState['backfill']>> {
    return {
      upperCursor: await upperBound(this.table, this.#source),
      lastKey: null,
      startedAt: this.#started.toISOString(),
      runId: this.#runId,
      slices: await this.#planSlices(),
    };
  }

  async #planSlices(): Promise<BackfillSlice[] | null> {
    const connections = this.deps.settings.backfillConnections ?? 1;
    if (connections < 2 || !canSlice(this.table)) return null;
    const statement = queries.keyRange(this.table);
    const [range] = await this.#source.query<{ lo: string | null; hi: string | null }>(
      statement.sql,
      statement.values,
    );
    return planSlices(range?.lo ?? null, range?.hi ?? null, connections, this.#chunkRows);
  }

  /**
   * Reads every unfinished slice at once, each over its own connection and into its own files (after a crash,
   * each resumes behind the last key of its last uploaded file). When one fails the others stop too.
   */
  #readSlices(
    slices: BackfillSlice[],
    onFile: (slice: BackfillSlice, file: FileRecord) => Promise<void>,
  ): Promise<FileRecord[]> {
    const pending = slices.filter((s) => !s.done);
    const connectIfFree = this.deps.connectIfFree;
    const more = connectIfFree ?? (() => this.deps.connect());
    const sources = { first: this.#source, more };
    return readConcurrently(pending, sources, (slice, source, stopped) =>
      this.#readSlice(slice, source, AbortSignal.any([this.deps.signal, stopped]), onFile),
    );
  }

  async #readSlice(
    slice: BackfillSlice,
    source: MysqlSource,
    signal: AbortSignal,
    onFile: (slice: BackfillSlice, file: FileRecord) => Promise<void>,
  ): Promise<FileRecord[]> {
    const sink = this.#sink((file) => onFile(slice, file), signal);
    try {
      await this.#pages(source, sink, signal, (previous) =>
        queries.backfillChunk(
          this.table,
          this.#plan.selectList,
          previous?.key ?? slice.lastKey ?? slice.after,
          this.#chunkRows,
          slice.through,
        ),
      );
      const files = await sink.finish();
      slice.done = true;
      return files;
    } catch (error) {
      sink.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /** Runs state and manifest writes one at a time: slices finish files concurrently, saves are conditional. */
  #serially(write: () => Promise<void>): Promise<void> {
    const next = this.#writes.then(write);
    this.#writes = next.catch(() => undefined);
    return next;
  }

  async incremental(): Promise<TableRunResult> {
    const watermark = this.state.watermark;
    const upper = await upperBound(this.table, this.#source);
    const lower =
      watermark && watermark.cursor !== null ? { cursor: watermark.cursor, key: watermark.key } : null;
    const sink = this.#sink(async () => {
      await this.#writeManifest('incremental', 'in_progress', { lower: lower?.cursor ?? null, upper });
    }, this.deps.signal);
    let last: RowPosition | undefined;
    let files: FileRecord[];
    // null_cursor: oldest re-reads NULL-cursor rows: one this run read with a cursor had its cursor set to NULL
    const nulled = this.table.nullCursor === 'oldest' ? new NulledCursors(this.#positionOf) : undefined;
    try {
      const from = lower ? lookbackLower(this.table, lower.cursor) : null;
      if (from !== null && lower) {
        await this.#readWindow({ cursor: from, key: null }, lower.cursor, sink, nulled?.remember);
      }
      last =
        upper === null ? undefined : await this.#readWindow(toPosition(lower), upper, sink, nulled?.remember);
      if (nulled) await this.#readNullCursors(sink, nulled.check);
      files = await sink.finish();
    } catch (error) {
      sink.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    const window = { lower: lower?.cursor ?? null, upper };
    if (last === undefined && files.length === 0 && this.#recentlyRecorded()) {
      return this.#result('incremental', files, window);
    }
    await this.#writeManifest('incremental', 'complete', window);
    await this.#lease.assertHeld();
    const next = last ? { cursor: last.cursor, key: [...last.key] } : watermark;
    await this.#save(this.#finished({ watermark: next, backfill: null }, files, window));
    const result = this.#result('incremental', files, window);
    const warning = nulled?.warning(this.table);
    return warning ? { ...result, warnings: [warning] } : result;
  }

  /**
   * A run that read nothing changes no position: it skips its manifest (no file to reconcile) and the state
   * write (a manifest, a lease check and a state PUT), which makes a scheduled run of a quiet table three S3
   * requests (lease create, state read, lease delete). It still records itself when the state has no identity
   * yet (older files) or its last recorded run is older than RECORD_QUIET_RUN_MS, so `status` shows a recent
   * run of a working extractor.
   */
  #recentlyRecorded(): boolean {
    const recorded = this.state.lastRun?.finishedAt;
    if (this.#identityRecorded !== true || recorded === undefined) return false;
    return this.deps.now().getTime() - Date.parse(recorded) < RECORD_QUIET_RUN_MS;
  }

  /** Reads lower < (cursor, key) ≤ upper in chunks; returns the last row's position. */
  #readWindow(
    lower: queries.KeysetPosition | null,
    upper: string,
    sink: FileSink,
    observe?: (row: unknown[]) => void,
  ) {
    return this.#pages(
      this.#source,
      sink,
      this.deps.signal,
      (previous) => {
        const after = previous ? { cursor: previous.cursor ?? '', key: previous.key } : lower;
        return queries.incrementalChunk(this.table, this.#plan.selectList, after, upper, this.#chunkRows);
      },
      observe,
    );
  }

  #readNullCursors(sink: FileSink, observe?: (row: unknown[]) => void) {
    return this.#pages(
      this.#source,
      sink,
      this.deps.signal,
      (previous) =>
        queries.nullCursorChunk(this.table, this.#plan.selectList, previous?.key ?? null, this.#chunkRows),
      observe,
    );
  }

  get #chunkRows(): number {
    return this.deps.settings.chunkRows;
  }

  /**
   * Keyset paging: runs the chunk statement for "after the previous chunk's last row" until a chunk comes back
   * short; returns the last row's position (undefined when nothing was read).
   */
  async #pages(
    source: MysqlSource,
    sink: FileSink,
    signal: AbortSignal,
    chunkAfter: (previous: RowPosition | undefined) => queries.Statement,
    observe?: (row: unknown[]) => void,
  ): Promise<RowPosition | undefined> {
    let previous: RowPosition | undefined;
    for (;;) {
      signal.throwIfAborted();
      const { last, count } = await this.#stream(source, chunkAfter(previous), sink, signal, observe);
      if (!last) return previous;
      previous = this.#positionOf(last);
      if (count < this.#chunkRows) return previous;
    }
  }

  /** Streams one chunk into the sink; returns its last row (undefined when empty) and its row count. */
  async #stream(
    source: MysqlSource,
    statement: queries.Statement,
    sink: FileSink,
    signal: AbortSignal,
    observe?: (row: unknown[]) => void,
  ): Promise<{ last: unknown[] | undefined; count: number }> {
    let last: unknown[] | undefined;
    let count: number;
    try {
      count = await source.streamRows(
        statement.sql,
        statement.values,
        (row) => {
          if (signal.aborted) throw signal.reason ?? new RunFailure('aborted');
          last = row;
          observe?.(row);
          const line = this.#encodeRow(row);
          this.#rows++;
          this.#bytes += line.length;
          if ((this.#rows & 8191) === 0) this.#reportProgress();
          return sink.write(line, row);
        },
        { raw: this.#plan.wholeLine },
      );
    } catch (error) {
      throw this.#namingRow(error, last);
    }
    return { last, count };
  }

  #reportProgress(): void {
    const estimated = this.#estimatedRows;
    this.deps.onProgress?.({
      table: this.table.name,
      rows: this.#rows,
      bytes: this.#bytes,
      ...(estimated === undefined ? {} : { estimatedRows: estimated }),
    });
  }

  /**
   * A value no encoder can write (e.g. a TIME outside a day under a TIME override) fails the table naming its row.
   * The row being encoded when it failed is `last`: the key is added here, once, so the per-row path pays nothing.
   */
  #namingRow(error: unknown, row: unknown[] | undefined): unknown {
    if (!(error instanceof EncodeError) || error.key !== undefined || !row) return error;
    try {
      return error.withKey(this.#positionOf(row).key);
    } catch {
      return error; // the key column itself cannot be encoded
    }
  }

  #sink(onFile: (file: FileRecord) => Promise<void>, signal: AbortSignal): FileSink {
    const header = this.#plan.header;
    return new FileSink(
      {
        store: this.deps.dataStore,
        header,
        targetBytes: this.deps.settings.targetFileBytes,
        gzipLevel: this.deps.settings.gzipLevel,
        nextKey: () => dataFileKey(this.table, this.#runId, ++this.#fileSequence),
        onFile: async (file) => {
          this.#manifestFiles.push(file);
          this.#uploaded?.push(file);
          await onFile(file);
        },
        signal,
      },
      this.#positionOf,
    );
  }

  async #writeManifest(mode: string, status: string, window: { lower: string | null; upper: string | null }) {
    const manifest = {
      version: 1,
      table: this.table.name,
      runId: this.#runId,
      mode,
      status,
      startedAt: this.#started.toISOString(),
      window,
      rows: this.#manifestFiles.reduce((n, f) => n + f.rows, 0),
      files: this.#manifestFiles,
    };
    await this.deps.stateStore.putText(
      manifestKey(this.table, this.#runId),
      `${JSON.stringify(manifest, null, 2)}\n`,
      {
        contentType: 'application/json',
      },
    );
  }

  /** The state as last saved and its conditional save, for the key snapshot that follows a run. */
  stateHandle(): { readonly state: TableState; save(next: TableState): Promise<void> } {
    const run = this;
    return {
      get state() {
        return run.state;
      },
      save: (next) => this.#save(next),
    };
  }

  async #save(next: TableState): Promise<void> {
    this.etag = await saveState(this.deps.stateStore, stateKey(this.table), next, this.etag);
    this.state = next;
  }

  #finished(
    position: Pick<TableState, 'watermark' | 'backfill'>,
    files: readonly FileRecord[],
    window: { lower: string | null; upper: string | null },
  ): TableState {
    const rows = files.reduce((n, f) => n + f.rows, 0);
    const bytes = files.reduce((n, f) => n + f.compressedBytes, 0);
    const previous = this.state.totals;
    return {
      ...this.state,
      ...position,
      lastRun: {
        runId: this.#runId,
        startedAt: this.#started.toISOString(),
        finishedAt: this.deps.now().toISOString(),
        lowerBound: window.lower === null ? null : { cursor: window.lower, key: [] },
        upperBound: window.upper,
        rows,
        files: files.length,
        bytes,
        manifest: manifestKey(this.table, this.#runId),
      },
      totals: {
        runs: previous.runs + 1,
        rows: previous.rows + rows,
        files: previous.files + files.length,
        bytes: previous.bytes + bytes,
      },
    };
  }

  #result(
    mode: 'backfill' | 'incremental',
    files: readonly FileRecord[],
    window: { lower: string | null; upper: string | null },
    backfillComplete?: boolean,
  ): TableRunResult {
    return {
      table: this.table.name,
      status: 'ok',
      runId: this.#runId,
      mode,
      rows: files.reduce((n, f) => n + f.rows, 0),
      files: files.length,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      compressedBytes: files.reduce((n, f) => n + f.compressedBytes, 0),
      window,
      durationMs: this.deps.now().getTime() - this.#started.getTime(),
      ...(backfillComplete ? { backfillComplete } : {}),
    };
  }
}

function toPosition(lower: { cursor: string; key: readonly string[] } | null): queries.KeysetPosition | null {
  if (!lower) return null;
  return { cursor: lower.cursor, key: lower.key.length > 0 ? lower.key : null };
}
