/** The terminal display of `extract`: a live line per table, then its summary, both on stderr. */
import { describe, expect, it, vi } from 'vitest';
import { createReporter, estimateText, formatDuration } from '../../src/cli/extract-report.js';
import type { TableRunResult } from '../../src/extract/run-table.js';
import type { TableModel } from '../../src/model/types.js';

function terminal() {
  let text = '';
  const stream = {
    isTTY: true,
    columns: 120,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream, text: () => text };
}

const result: TableRunResult = {
  table: 'books',
  status: 'ok',
  runId: 'r1',
  mode: 'incremental',
  rows: 1234,
  files: 2,
  bytes: 2_000_000,
  compressedBytes: 1_048_576,
  window: { lower: '2026-01-01 00:00:00.000000', upper: '2026-01-02 00:00:00.000000' },
  durationMs: 1500,
};

describe('extract on a terminal', () => {
  it('shows rows, MB and rows/s while running and prints each table summary', () => {
    const err = terminal();
    const out = terminal();
    const reporter = createReporter({ stdout: out.stream, stderr: err.stream, env: {}, cwd: '/' });
    reporter.tableStart({ name: 'books' } as TableModel);
    reporter.progress({ table: 'books', rows: 8192, bytes: 3 * 1_048_576 });
    reporter.tableDone(result);
    reporter.close();
    const shown = err.text();
    expect(shown).toContain(
      'books: ok incremental 1234 rows, 2 files, 1.9 MB csv, 1.0 MB gz window (2026-01-01 00:00:00.000000 .. 2026-01-02 00:00:00.000000] in 1.5s',
    );
    expect(out.text()).toBe('');
  });

  it('prints the summary with line wrapping on, so a long line is not clipped at the screen edge', () => {
    const err = terminal();
    const reporter = createReporter({ stdout: terminal().stream, stderr: err.stream, env: {}, cwd: '/' });
    reporter.tableStart({ name: 'books' } as TableModel);
    reporter.progress({ table: 'books', rows: 1, bytes: 1 });
    const long = { ...result, status: 'failed' as const, message: 'x'.repeat(300) };
    reporter.tableDone(long);
    reporter.close();
    const shown = err.text();
    const at = shown.indexOf('x'.repeat(300));
    expect(at).toBeGreaterThan(0);
    // the last wrap control written before the summary must be "wrap on" (ESC[?7h), not "off" (ESC[?7l)
    const before = shown.slice(0, at);
    expect(before.lastIndexOf('\x1b[?7h')).toBeGreaterThan(before.lastIndexOf('\x1b[?7l'));
  });
});

describe('warnings in the run summary', () => {
  const warned = {
    ...result,
    warnings: ['cursor updated_at of MySQL table books is not the first column of any index'],
  };

  it('the terminal summary line ends with each warning', () => {
    const err = terminal();
    const reporter = createReporter({ stdout: terminal().stream, stderr: err.stream, env: {}, cwd: '/' });
    reporter.tableDone(warned);
    reporter.close();
    expect(err.text()).toContain(
      'in 1.5s; warning: cursor updated_at of MySQL table books is not the first column of any index',
    );
  });

  it('the JSON summary is logged at warn level with the warnings as a field', () => {
    let logged = '';
    const out = { write: (s: string) => (logged += s) };
    const reporter = createReporter({ stdout: out, stderr: { write: () => true }, env: {}, cwd: '/' });
    reporter.tableDone(warned);
    reporter.close();
    const line = JSON.parse(logged.trim()) as { level: number; warnings: string[]; status: string };
    expect(line.level).toBe(40);
    expect(line.status).toBe('ok');
    expect(line.warnings).toEqual(warned.warnings);
  });
});

describe('backfill total, percentage and ETA', () => {
  it('shows the estimated total, the share read and the time left at the rate so far', () => {
    // 250 of 1000 rows in 10 s: 750 rows left at 25 rows/s
    expect(estimateText(250, 1000, 10_000)).toEqual({ total: ' of ~1000 (25%)', eta: ' | ETA 30s' });
    expect(estimateText(1, 3, 60_000)).toEqual({ total: ' of ~3 (33%)', eta: ' | ETA 2m00s' });
    expect(estimateText(10, 1000, 60_000)).toEqual({ total: ' of ~1000 (1%)', eta: ' | ETA 1h39m' });
  });

  it('shows nothing without an estimate, no ETA before the first row, and says when the estimate was low', () => {
    expect(estimateText(500, undefined, 1000)).toEqual({ total: '', eta: '' });
    expect(estimateText(0, 1000, 1000)).toEqual({ total: ' of ~1000 (0%)', eta: '' });
    expect(estimateText(1200, 1000, 1000)).toEqual({ total: ' of ~1000 (past the estimate)', eta: '' });
  });

  it('formats durations in whole seconds under an hour and whole minutes above', () => {
    expect([0, 999, 59_400, 61_000, 3_599_000, 3_600_000, 7_530_000].map(formatDuration)).toEqual([
      '0s',
      '1s',
      '59s',
      '1m01s',
      '59m59s',
      '1h00m',
      '2h06m',
    ]);
  });

  it('the live line shows them on a terminal; the JSON progress line carries estimatedRows', () => {
    const err = terminal();
    const reporter = createReporter({ stdout: terminal().stream, stderr: err.stream, env: {}, cwd: '/' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      reporter.tableStart({ name: 'books' } as TableModel);
      vi.advanceTimersByTime(2000);
      reporter.progress({ table: 'books', rows: 8192, bytes: 1_048_576, estimatedRows: 100_000 });
    } finally {
      vi.useRealTimers();
    }
    reporter.info('a line above the bars makes them render now');
    reporter.tableDone(result);
    reporter.close();
    // 8192 rows in 2 s: 91,808 left at 4096 rows/s
    expect(err.text()).toContain('books | 8192 rows of ~100000 (8%) | 1.0 MB csv | 4096 rows/s | ETA 22s');

    const out = terminal();
    const json = createReporter({
      stdout: out.stream,
      stderr: { ...terminal().stream, isTTY: false },
      env: {},
      cwd: '/',
    });
    json.progress({ table: 'books', rows: 8192, bytes: 10, estimatedRows: 100_000 });
    json.progress({ table: 'books_2', rows: 8192, bytes: 10 });
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // throttled per table: the second table's first progress line is not swallowed by the first table's
    expect(lines.map((l) => [l.event, l.table, l.estimatedRows])).toEqual([
      ['progress', 'books', 100_000],
      ['progress', 'books_2', undefined],
    ]);
  });
});
