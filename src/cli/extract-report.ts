/**
 * What `extract` shows: on a terminal a live line per table (rows, bytes, rows/s) and a summary table;
 * otherwise structured JSON log lines (pino), one per event, and a summary line per table.
 */
import cliProgress from 'cli-progress';
import pino from 'pino';
import type { Progress, TableRunResult } from '../extract/run-table.js';
import type { TableModel } from '../model/types.js';
import type { CliIo } from './io.js';

export interface ExtractReporter {
  tableStart(table: TableModel): void;
  progress(progress: Progress): void;
  tableDone(result: TableRunResult): void;
  info(message: string, fields?: Record<string, unknown>): void;
  close(): void;
}

export function createReporter(io: CliIo): ExtractReporter {
  return io.stderr.isTTY ? new TerminalReporter(io) : new JsonReporter(io);
}

const WRAP_ON = '\x1b[?7h';
const WRAP_OFF = '\x1b[?7l';

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

function summaryFields(result: TableRunResult) {
  return {
    table: result.table,
    status: result.status,
    mode: result.mode,
    runId: result.runId,
    rows: result.rows,
    files: result.files,
    bytes: result.bytes,
    compressedBytes: result.compressedBytes,
    window: result.window,
    durationMs: result.durationMs,
    ...(result.lockedTooLong ? { lockedTooLong: true } : {}),
    ...(result.message ? { detail: result.message } : {}),
    ...(result.warnings ? { warnings: result.warnings } : {}),
    ...(result.keySnapshot ? { keySnapshot: result.keySnapshot } : {}),
  };
}

class JsonReporter implements ExtractReporter {
  readonly #log: pino.Logger;
  #lastProgress = 0;

  constructor(io: CliIo) {
    this.#log = pino(
      { base: { app: 'snowstage' }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'message' },
      { write: (s: string) => io.stdout.write(s) },
    );
  }

  tableStart(table: TableModel) {
    this.#log.info({ event: 'table_start', table: table.name }, `extracting ${table.name}`);
  }

  progress(progress: Progress) {
    // A line every 5 seconds at most: enough to see a long backfill move without flooding the log.
    const now = Date.now();
    if (now - this.#lastProgress < 5000) return;
    this.#lastProgress = now;
    this.#log.info({ event: 'progress', ...progress }, `${progress.table}: ${progress.rows} rows`);
  }

  tableDone(result: TableRunResult) {
    const failed = result.status === 'failed' || result.status === 'aborted' || result.lockedTooLong;
    const level = failed ? 'error' : result.warnings ? 'warn' : 'info';
    this.#log[level]({ event: 'table_summary', ...summaryFields(result) }, summaryLine(result));
  }

  info(message: string, fields: Record<string, unknown> = {}) {
    this.#log.info(fields, message);
  }

  close() {}
}

class TerminalReporter implements ExtractReporter {
  readonly #bars: cliProgress.MultiBar;
  readonly #active = new Map<string, { bar: cliProgress.SingleBar; started: number }>();

  constructor(io: CliIo) {
    this.#bars = new cliProgress.MultiBar(
      {
        format: ' {table} | {rows} rows | {mb} MB csv | {rate} rows/s',
        stream: io.stderr as unknown as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  tableStart(table: TableModel) {
    const bar = this.#bars.create(0, 0, { table: table.name, rows: 0, mb: '0.0', rate: 0 });
    this.#active.set(table.name, { bar, started: Date.now() });
  }

  progress(progress: Progress) {
    const active = this.#active.get(progress.table);
    if (!active) return;
    const seconds = Math.max(0.001, (Date.now() - active.started) / 1000);
    active.bar.update(0, {
      rows: progress.rows,
      mb: mb(progress.bytes),
      rate: Math.round(progress.rows / seconds),
    });
  }

  tableDone(result: TableRunResult) {
    const active = this.#active.get(result.table);
    if (active) {
      active.bar.stop();
      this.#bars.remove(active.bar);
    }
    this.#logLine(summaryLine(result));
  }

  info(message: string) {
    this.#logLine(message);
  }

  /**
   * The bars turn the terminal's line wrapping off (ESC[?7l) while they run, so a long line would be clipped at the
   * screen edge: turn wrapping on for the line itself. Lines are written above the bars, so a wrapped line does not
   * disturb their redraw. MultiBar.log only buffers; a render writes the buffer out.
   */
  #logLine(text: string) {
    this.#bars.log(`${WRAP_ON}${text}\n${WRAP_OFF}`);
    this.#bars.update();
  }

  close() {
    this.#bars.stop();
  }
}

export function summaryLine(result: TableRunResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const window = result.window.upper
    ? ` window (${result.window.lower ?? 'start'} .. ${result.window.upper}]`
    : '';
  const detail = result.message ? `: ${result.message}` : '';
  const warnings = (result.warnings ?? []).map((w) => `; warning: ${w}`).join('');
  const keys = result.keySnapshot;
  const keyText = keys
    ? `; key snapshot ${keys.id} complete: ${keys.rows} keys, ${keys.files} files, ${mb(keys.compressedBytes)} MB gz in ${(keys.durationMs / 1000).toFixed(1)}s`
    : '';
  // Both sizes, each labelled: the live line counts CSV bytes (known as rows are encoded), S3 holds the gzip.
  return `${result.table}: ${result.status} ${result.mode} ${result.rows} rows, ${result.files} files, ${mb(result.bytes)} MB csv, ${mb(result.compressedBytes)} MB gz${window} in ${seconds}s${detail}${keyText}${warnings}`;
}
