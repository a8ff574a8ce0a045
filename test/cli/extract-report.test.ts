/** The terminal display of `extract`: a live line per table, then its summary, both on stderr. */
import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/cli/extract-report.js';
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
