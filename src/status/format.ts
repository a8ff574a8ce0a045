/**
 * How `status` prints a report: one JSON document for scripts, or an aligned table plus a problem list for people.
 * Pure string builders.
 */
import type { Check, StatusReport, TableStatus } from './types.js';

export function formatJson(report: StatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const MAX_CELL = 40;

export function formatTerminal(report: StatusReport): string {
  const withSnowflake = report.snowflake.state === 'checked';
  const header = [
    'TABLE',
    'LAST EXTRACT',
    'AGE',
    'LAST ATTEMPT',
    'ROWS',
    'FILES',
    'WATERMARK',
    ...(withSnowflake
      ? [
          'PIPE',
          'PENDING',
          'LOADED 1h/24h',
          'FAILED 1h/24h',
          'TASK',
          'LAST MERGE',
          'WAITING',
          'STREAM STALE AFTER',
        ]
      : []),
  ];
  const nowMs = Date.parse(report.checkedAt);
  const rows = report.tables.map((t) => [
    ...extractorCells(t, nowMs),
    ...(withSnowflake ? snowflakeCells(t) : []),
  ]);
  const lines = [
    `pipeline ${report.pipeline}, checked ${shortTime(report.checkedAt)}`,
    `extractor state: ${report.stateStore}`,
    `Snowflake: ${snowflakeLine(report)}`,
    '',
    ...table([header, ...rows], new Set([2, 4, 5, 8, 13])),
  ];
  const notes = report.tables.flatMap((t) => t.notes.map((n) => `  ${t.table}: ${n}`));
  if (notes.length > 0) lines.push('', 'notes:', ...notes);
  if (report.problems.length > 0) lines.push('', 'problems:', ...report.problems.map((p) => `  ${p}`));
  const n = report.problems.length;
  lines.push('', report.healthy ? 'status: ok' : `status: ${n} problem${n === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

function snowflakeLine(report: StatusReport): string {
  const access = report.snowflake;
  switch (access.state) {
    case 'checked':
      return access.connection;
    case 'not_configured':
      return `not checked (${access.reason}); showing the extractor side only`;
    case 'failed':
      return `could not be checked: ${access.error}`;
  }
}

function extractorCells(status: TableStatus, nowMs: number): string[] {
  if (!status.extractor.ok) return [status.table, 'unreadable', '-', '-', '-', '-', '-'];
  const { lastRun, watermark, lastAttempt } = status.extractor.value;
  return [
    status.table,
    lastRun === null ? 'never' : shortTime(lastRun.finishedAt),
    lastRun === null ? '-' : age(nowMs - Date.parse(lastRun.finishedAt)),
    !lastAttempt.ok ? 'unreadable' : lastAttempt.value === null ? '-' : lastAttempt.value.status,
    lastRun === null ? '-' : String(lastRun.rows),
    lastRun === null ? '-' : String(lastRun.files),
    watermark === null ? '-' : clip(watermark.cursor ?? 'NULL'),
  ];
}

function snowflakeCells(status: TableStatus): string[] {
  const snowflake = status.snowflake;
  if (snowflake === null) return ['-', '-', '-', '-', '-', '-', '-', '-'];
  const { pipe, stream, loads, tasks, task, lag } = snowflake;
  const last = tasks.ok ? tasks.value[0] : undefined;
  return [
    pipe === null ? 'lambda' : pipe.ok ? pipe.value.executionState : 'unreadable',
    pipe?.ok ? String(pipe.value.pendingFileCount) : '-',
    pair(loads, (l) => [l.lastHour.loaded, l.lastDay.loaded]),
    pair(loads, (l) => [l.lastHour.failed, l.lastDay.failed]),
    task.ok ? task.value.state : 'unreadable',
    !tasks.ok ? 'unreadable' : last === undefined ? 'none' : `${last.state} ${shortTime(last.scheduledAt)}`,
    lag.ok ? String(lag.value.waitingRows) : 'unreadable',
    !stream.ok ? 'unreadable' : stream.value.stale ? 'STALE' : (stream.value.staleAfter ?? '-'),
  ];
}

/** 95 minutes → 1h35m; under an hour → 12m. */
function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h${String(minutes % 60).padStart(2, '0')}m` : `${Math.floor(hours / 24)}d`;
}

function pair<T>(check: Check<T>, values: (value: T) => [number, number]): string {
  if (!check.ok) return 'unreadable';
  const [hour, day] = values(check.value);
  return `${hour}/${day}`;
}

/** Left-aligned columns, numeric ones right-aligned, two spaces apart. */
function table(rows: readonly string[][], numeric: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row, r) =>
    row
      .map((c, i) => (numeric.has(i) && r > 0 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** 2025-01-02T03:04:05.678Z → 2025-01-02 03:04:05Z; other text unchanged. */
function shortTime(iso: string | null): string {
  if (iso === null) return '-';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]}Z` : iso;
}

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}
