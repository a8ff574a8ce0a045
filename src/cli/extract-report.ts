/**
 * What `extract` shows: on a terminal a live line per running table (rows, of the estimated total with a
 * percentage and ETA during a backfill, MB of CSV, rows/s) and each table's summary as it finishes; otherwise
 * structured JSON log lines (pino), one whole line per event, progress throttled per table. Tables run
 * concurrently, so lines of different tables interleave; every line names its table.
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

/**
 * A backfill's total, percentage and ETA from the server's row estimate, for the live line: ETA assumes the
 * rate so far holds. An estimate already passed (InnoDB's can be tens of percent low) says so instead of
 * showing more than 100%.
 */
export function estimateText(
  rows: number,
  estimatedRows: number | undefined,
  elapsedMs: number,
): { total: string; eta: string } {
  if (estimatedRows === undefined || estimatedRows <= 0) return { total: '', eta: '' };
  const total = ` of ~${estimatedRows}`;
  if (rows >= estimatedRows) return { total: `${total} (past the estimate)`, eta: '' };
  const percent = Math.floor((rows / estimatedRows) * 100);
  if (rows <= 0 || elapsedMs <= 0) return { total: `${total} (${percent}%)`, eta: '' };
  const remainingMs = (elapsedMs * (estimatedRows - rows)) / rows;
  return { total: `${total} (${percent}%)`, eta: ` | ETA ${formatDuration(remainingMs)}` };
}

/** 42s, 3m05s, 2h07m: whole seconds under an hour, whole minutes above. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

class JsonReporter implements ExtractReporter {
  readonly #log: pino.Logger;
  /** per table: tables run concurrently, and each should show its own progress */
  readonly #lastProgress = new Map<string, number>();

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
    if (now - (this.#lastProgress.get(progress.table) ?? 0) < 5000) return;
    this.#lastProgress.set(progress.table, now);
    const of = progress.estimatedRows === undefined ? '' : ` of ~${progress.estimatedRows}`;
    this.#log.info({ event: 'progress', ...progress }, `${progress.table}: ${progress.rows} rows${of}`);
  }

  tableDone(result: TableRunResult) {
    this.#lastProgress.delete(result.table);
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
        format: ' {table} | {rows} rows{ofEstimate} | {mb} MB csv | {rate} rows/s{timeLeft}',
        stream: io.stderr as unknown as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  tableStart(table: TableModel) {
    const bar = this.#bars.create(0, 0, {
      table: table.name,
      rows: 0,
      ofEstimate: '',
      mb: '0.0',
      rate: 0,
      timeLeft: '',
    });
    this.#active.set(table.name, { bar, started: Date.now() });
  }

  progress(progress: Progress) {
    const active = this.#active.get(progress.table);
    if (!active) return;
    const elapsedMs = Date.now() - active.started;
    const seconds = Math.max(0.001, elapsedMs / 1000);
    active.bar.update(0, {
      // cli-progress reserves {total} and {eta} for its own bar, hence other names
      ...barFields(estimateText(progress.rows, progress.estimatedRows, elapsedMs)),
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

function barFields(estimate: { total: string; eta: string }) {
  return { ofEstimate: estimate.total, timeLeft: estimate.eta };
}

export function summaryLine(result: TableRunResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const window = result.window.upper
    ? ` window (${result.window.lower ?? 'start'} .. ${result.window.upper}]`
    : '';
  const detail = result.message ? `: ${result.message}` : '';
  const warnings = (result.warnings ?? []).map((w) => `; warning: ${w}`).join('');
  const keys = result.keySnapshot;
  if (result.mode === 'snapshot' && keys) {
    // a snapshot table (mode: snapshot): the run is its whole-table snapshot, sized in gzip only
    return `${result.table}: ${result.status} snapshot ${keys.id} complete: ${keys.rows} rows, ${keys.files} files, ${mb(keys.compressedBytes)} MB gz in ${seconds}s${detail}${warnings}`;
  }
  const keyText = keys
    ? `; key snapshot ${keys.id} complete: ${keys.rows} keys, ${keys.files} files, ${mb(keys.compressedBytes)} MB gz in ${(keys.durationMs / 1000).toFixed(1)}s`
    : '';
  // Both sizes, each labelled: the live line counts CSV bytes (known as rows are encoded), S3 holds the gzip.
  return `${result.table}: ${result.status} ${result.mode} ${result.rows} rows, ${result.files} files, ${mb(result.bytes)} MB csv, ${mb(result.compressedBytes)} MB gz${window} in ${seconds}s${detail}${keyText}${warnings}`;
}
