/** The pure parts of `status`: row readers, load windows, problem evaluation and formatting. */
import { describe, expect, it } from 'vitest';
import { buildReport, evaluateTable } from '../../src/status/evaluate.js';
import { formatTerminal } from '../../src/status/format.js';
import {
  type CopyRow,
  readCopyRows,
  readPipeStatus,
  readTaskRuns,
  summarizeLoads,
} from '../../src/status/snowflake-queries.js';
import type { ExtractorStatus, SnowflakeTableStatus } from '../../src/status/types.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const row = (
  status: string,
  minutesAgo: number | null,
  rowCount = 10,
  firstError: string | null = null,
): CopyRow => ({
  file: `f-${status}-${minutesAgo}`,
  status,
  rowCount,
  firstError,
  loadedAtMs: minutesAgo === null ? null : NOW - minutesAgo * 60_000,
});

const extractor: ExtractorStatus = {
  watermark: null,
  lastRun: {
    runId: 'r',
    startedAt: 's',
    finishedAt: '2025-03-01T11:00:00.000Z',
    rows: 1,
    files: 1,
    bytes: 1,
  },
  backfill: null,
  totals: { runs: 1, rows: 1, files: 1, bytes: 1 },
  lease: null,
};

const healthy: SnowflakeTableStatus = {
  pipe: {
    ok: true,
    value: {
      executionState: 'RUNNING',
      pendingFileCount: 0,
      lastIngestedTimestamp: null,
      oldestPendingFilePath: null,
      error: null,
    },
  },
  stream: { ok: true, value: { stale: false, staleAfter: '2025-03-15 12:00:00.000 +0000' } },
  loads: { ok: true, value: summarizeLoads([], NOW) },
  tasks: {
    ok: true,
    value: [
      { state: 'SUCCEEDED', scheduledAt: null, completedAt: null, errorCode: null, errorMessage: null },
    ],
  },
};

describe('summarizeLoads', () => {
  it('counts the last hour and the last day; skipped and partial loads count as failed', () => {
    const rows = [
      row('Load in progress', null),
      row('Loaded', 5, 100),
      row('Load skipped', 30, 0, "Numeric value 'abc' is not recognized"),
      row('Loaded', 59, 50),
      row('LOAD FAILED', 61, 0, 'bad file'),
      row('Partially loaded', 600, 7),
      row('Loaded', 1200, 1000),
    ];
    const summary = summarizeLoads(rows, NOW);
    expect(summary.lastHour).toEqual({ files: 4, loaded: 2, failed: 1, inProgress: 1, rowsLoaded: 150 });
    expect(summary.lastDay).toEqual({ files: 7, loaded: 3, failed: 3, inProgress: 1, rowsLoaded: 1150 });
    expect(summary.latestError).toEqual({
      file: 'f-Load skipped-30',
      status: 'Load skipped',
      message: "Numeric value 'abc' is not recognized",
      at: '2025-03-01T11:30:00.000Z',
    });
  });

  it('has no latest error when everything loaded, and uses the status when there is no message', () => {
    expect(summarizeLoads([row('Loaded', 1)], NOW).latestError).toBeNull();
    expect(summarizeLoads([row('Load failed', 1)], NOW).latestError?.message).toBe('Load failed');
  });
});

describe('row readers', () => {
  it('reads SYSTEM$PIPE_STATUS JSON, with absent fields as null', () => {
    const json = JSON.stringify({ executionState: 'PAUSED', pendingFileCount: 3, error: 'x', extra: 1 });
    expect(readPipeStatus([{ PIPE_STATUS: json }])).toEqual({
      ok: true,
      value: {
        executionState: 'PAUSED',
        pendingFileCount: 3,
        lastIngestedTimestamp: null,
        oldestPendingFilePath: null,
        error: 'x',
      },
    });
  });

  it('reports unusable pipe status answers', () => {
    expect(readPipeStatus([])).toMatchObject({ ok: false, error: 'SYSTEM$PIPE_STATUS returned nothing' });
    expect(readPipeStatus([{ PIPE_STATUS: 'not json' }])).toMatchObject({ ok: false });
    expect(readPipeStatus([{ PIPE_STATUS: '"RUNNING"' }])).toMatchObject({ ok: false });
    expect(readPipeStatus([{ PIPE_STATUS: '{"pendingFileCount":0}' }])).toMatchObject({
      ok: false,
      error: 'SYSTEM$PIPE_STATUS has no executionState',
    });
  });

  it('reads numbers given as numbers or text', () => {
    const rows = readCopyRows([
      { FILE_NAME: 'a', STATUS: 'Loaded', ROW_COUNT: 5, FIRST_ERROR_MESSAGE: null, LOADED_AT_MS: 1000 },
      { FILE_NAME: 'b', STATUS: 'Loaded', ROW_COUNT: '6', FIRST_ERROR_MESSAGE: '', LOADED_AT_MS: null },
    ]);
    expect(rows).toEqual([
      { file: 'a', status: 'Loaded', rowCount: 5, firstError: null, loadedAtMs: 1000 },
      { file: 'b', status: 'Loaded', rowCount: 6, firstError: '', loadedAtMs: null },
    ]);
    expect(
      readTaskRuns([{ STATE: 'FAILED', ERROR_CODE: 100038, SCHEDULED_AT_MS: '0', COMPLETED_AT_MS: null }]),
    ).toEqual([
      {
        state: 'FAILED',
        scheduledAt: '1970-01-01T00:00:00.000Z',
        completedAt: null,
        errorCode: '100038',
        errorMessage: null,
      },
    ]);
  });
});

describe('evaluateTable', () => {
  const withLease = (lease: ExtractorStatus['lease']) =>
    evaluateTable({ table: 't', extractor: { ok: true, value: { ...extractor, lease } }, snowflake: null });
  const held = {
    state: 'held' as const,
    owner: 'host:1',
    runId: 'run-1',
    acquiredAt: '2025-03-01T10:00:00.000Z',
    expiresAt: '2025-03-01T12:05:00.000Z',
  };

  it('reports a table locked for longer than the stale-lock limit as a problem, a short lock as a note', () => {
    expect(withLease({ ...held, heldMinutes: 61 }).problems).toEqual([
      'locked for 61 minutes by host:1 (run run-1), more than 60: every extract since found it locked; check that run is not stuck',
    ]);
    const busy = withLease({ ...held, heldMinutes: 5 });
    expect(busy.problems).toEqual([]);
    expect(busy.notes).toContain('being extracted by host:1 (run run-1) since 2025-03-01T10:00:00.000Z');
  });

  it('reports a corrupt lease as a problem and an expired one as a note', () => {
    expect(withLease({ state: 'corrupt', error: 'lease x is corrupt: …' }).problems).toEqual([
      'lease x is corrupt: …',
    ]);
    const expired = withLease({ ...held, state: 'expired', heldMinutes: 500 });
    expect(expired.problems).toEqual([]);
    expect(expired.notes[0]).toMatch(/expired at 2025-03-01T12:05:00.000Z without being released/);
  });

  it('finds nothing wrong with a running pipe, loaded files and a succeeded merge', () => {
    expect(
      evaluateTable({ table: 'books', extractor: { ok: true, value: extractor }, snowflake: healthy }),
    ).toMatchObject({
      problems: [],
      notes: [],
    });
  });

  it('treats every execution state other than RUNNING as a problem', () => {
    for (const state of ['PAUSED', 'STALLED_EXECUTION_ERROR', 'STOPPED_MISSING_TABLE']) {
      const pipe = {
        ok: true as const,
        value: { ...(healthy.pipe.ok ? healthy.pipe.value : never()), executionState: state },
      };
      const status = evaluateTable({
        table: 't',
        extractor: { ok: true, value: extractor },
        snowflake: { ...healthy, pipe },
      });
      expect(status.problems).toEqual([`pipe is ${state}, not RUNNING`]);
    }
  });

  it('reports failed auto-suspended merges, unreadable checks and backfills in progress', () => {
    const status = evaluateTable({
      table: 't',
      extractor: {
        ok: true,
        value: { ...extractor, lastRun: null, backfill: { runId: 'r', startedAt: '2025-03-01T10:00:00Z' } },
      },
      snowflake: {
        pipe: { ok: false, error: 'denied' },
        stream: { ok: true, value: { stale: true, staleAfter: null } },
        loads: { ok: false, error: 'denied too' },
        tasks: {
          ok: true,
          value: [
            {
              state: 'FAILED_AND_AUTO_SUSPENDED',
              scheduledAt: null,
              completedAt: null,
              errorCode: null,
              errorMessage: null,
            },
          ],
        },
      },
    });
    expect(status.problems).toEqual([
      'pipe status could not be read: denied',
      'stream is stale: rows it had not handed to the MERGE are lost; recreate it and backfill the table (README, "Failures")',
      'copy history could not be read: denied too',
      'last MERGE task run FAILED_AND_AUTO_SUSPENDED:',
    ]);
    expect(status.notes).toEqual(['never extracted', 'initial load in progress since 2025-03-01T10:00:00Z']);
  });
});

describe('buildReport and formatTerminal', () => {
  it('is healthy without Snowflake, and says Snowflake was not checked', () => {
    const report = buildReport({
      pipeline: 'p',
      checkedAt: '2025-03-01T12:00:00.000Z',
      stateStore: 's3://b',
      snowflake: { state: 'not_configured', reason: 'no credentials' },
      tables: [{ table: 't', extractor: { ok: true, value: extractor }, snowflake: null }],
    });
    expect(report.healthy).toBe(true);
    const text = formatTerminal(report);
    expect(text).toContain('Snowflake: not checked (no credentials); showing the extractor side only');
    expect(text).not.toContain('PIPE');
    expect(text.trimEnd().endsWith('status: ok')).toBe(true);
  });

  it('makes a failed Snowflake login a problem of its own', () => {
    const report = buildReport({
      pipeline: 'p',
      checkedAt: '2025-03-01T12:00:00.000Z',
      stateStore: 's3://b',
      snowflake: { state: 'failed', error: 'login refused' },
      tables: [],
    });
    expect(report).toMatchObject({
      healthy: false,
      problems: ['Snowflake could not be checked: login refused'],
    });
  });
});

function never(): never {
  throw new Error('unreachable');
}
