/** The pure parts of `status`: row readers, load windows, problem evaluation and formatting. */
import { describe, expect, it } from 'vitest';
import { type LastAttempt, lastAttemptOf } from '../../src/extract/last-attempt.js';
import type { TableRunResult } from '../../src/extract/run-types.js';
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
  lastAttempt: { ok: true, value: null },
};

const limits = { maxExtractAgeMinutes: 120, maxMergeLagMinutes: 60, streamStaleWithinHours: 48 };

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
  task: { ok: true, value: { name: 'T_MERGE', state: 'started' } },
  lag: {
    ok: true,
    value: { waitingRows: 0, oldestWaitingAt: null, lastMergeAt: '2025-03-01T11:55:00.000Z' },
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
    evaluateTable(
      { table: 't', limits, extractor: { ok: true, value: { ...extractor, lease } }, snowflake: null },
      NOW,
    );
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
      evaluateTable(
        { table: 'books', limits, extractor: { ok: true, value: extractor }, snowflake: healthy },
        NOW,
      ),
    ).toMatchObject({
      problems: [],
      notes: [],
    });
  });

  it('treats every execution state other than RUNNING as a problem', () => {
    for (const state of ['PAUSED', 'STALLED_EXECUTION_ERROR', 'STOPPED_MISSING_TABLE']) {
      const pipe = {
        ok: true as const,
        value: { ...(healthy.pipe?.ok ? healthy.pipe.value : never()), executionState: state },
      };
      const status = evaluateTable(
        { table: 't', limits, extractor: { ok: true, value: extractor }, snowflake: { ...healthy, pipe } },
        NOW,
      );
      expect(status.problems).toEqual([`pipe is ${state}, not RUNNING`]);
    }
  });

  it('reports failed auto-suspended merges, unreadable checks and backfills in progress', () => {
    const status = evaluateTable(
      {
        table: 't',
        limits,
        extractor: {
          ok: true,
          value: { ...extractor, lastRun: null, backfill: { runId: 'r', startedAt: '2025-03-01T10:00:00Z' } },
        },
        snowflake: {
          pipe: { ok: false, error: 'denied' },
          task: healthy.task,
          lag: healthy.lag,
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
      },
      NOW,
    );
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
      tables: [{ table: 't', limits, extractor: { ok: true, value: extractor }, snowflake: null }],
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

describe('the conditions status shares with the alerts, and the last extract attempt', () => {
  const judge = (value: Partial<ExtractorStatus>, snowflake: Partial<SnowflakeTableStatus> | null = null) =>
    evaluateTable(
      {
        table: 't',
        limits,
        extractor: { ok: true, value: { ...extractor, ...value } },
        snowflake: snowflake === null ? null : { ...healthy, ...snowflake },
      },
      NOW,
    );
  const attempt = (fields: Partial<LastAttempt>): ExtractorStatus['lastAttempt'] => ({
    ok: true,
    value: {
      version: 1,
      table: 't',
      runId: 'run-9',
      status: 'failed',
      startedAt: '2025-03-01T11:50:00.000Z',
      finishedAt: '2025-03-01T11:51:00.000Z',
      message: 'MySQL at 127.0.0.1:1 (database shop) refused the connection',
      lockedSince: null,
      leaseTtlMs: 300_000,
      ...fields,
    },
  });
  const lastRunAt = (finishedAt: string) => ({ ...(extractor.lastRun ?? never()), finishedAt });

  it('a last success older than max_extract_age_minutes is a problem; at the limit it is not', () => {
    expect(judge({ lastRun: lastRunAt('2025-03-01T09:59:00.000Z') }).problems).toEqual([
      'last successful extract finished at 2025-03-01T09:59:00.000Z, 121 minutes ago, more than max_extract_age_minutes (120): check that extract still runs',
    ]);
    expect(judge({ lastRun: lastRunAt('2025-03-01T10:00:00.000Z') }).problems).toEqual([]);
  });

  it('a failed last attempt after the last success is a problem with its message; an older one is not', () => {
    expect(judge({ lastAttempt: attempt({}) }).problems).toEqual([
      'last extract (run run-9) failed at 2025-03-01T11:51:00.000Z: MySQL at 127.0.0.1:1 (database shop) refused the connection',
    ]);
    const superseded = judge({ lastRun: lastRunAt('2025-03-01T11:55:00.000Z'), lastAttempt: attempt({}) });
    expect(superseded.problems).toEqual([]);
    expect(judge({ lastAttempt: attempt({ status: 'ok', message: null }) }).problems).toEqual([]);
  });

  it('locked for longer than the lease TTL is a problem, a shorter lock a note; a stopped run a note', () => {
    const locked = (since: string) =>
      judge({ lastAttempt: attempt({ status: 'locked', lockedSince: since, message: 'held by host:2' }) });
    expect(locked('2025-03-01T11:54:00.000Z').problems).toEqual([
      'every extract since 2025-03-01T11:54:00.000Z (6 minutes) found the table locked, longer than the lease TTL (5 minutes): held by host:2',
    ]);
    const brief = locked('2025-03-01T11:57:00.000Z');
    expect(brief.problems).toEqual([]);
    expect(brief.notes).toContain(
      'every extract since 2025-03-01T11:57:00.000Z (3 minutes) found the table locked: held by host:2',
    );
    const stopped = judge({ lastAttempt: attempt({ status: 'aborted' }) });
    expect(stopped.problems).toEqual([]);
    expect(stopped.notes).toEqual(['last extract (run run-9) was stopped at 2025-03-01T11:51:00.000Z']);
  });

  it('an unreadable last attempt is a problem', () => {
    expect(judge({ lastAttempt: { ok: false, error: 'last attempt x is not valid JSON' } }).problems).toEqual(
      ['last extract attempt could not be read: last attempt x is not valid JSON'],
    );
  });

  it('a stream whose stale_after is within stream_stale_within_hours is a problem; later or unparsable is not', () => {
    const stream = (staleAfter: string | null) => ({
      ok: true as const,
      value: { stale: false, staleAfter },
    });
    expect(judge({}, { stream: stream('2025-03-03T11:59:00.000Z') }).problems).toEqual([
      'stream goes stale after 2025-03-03T11:59:00.000Z, less than stream_stale_within_hours (48) from now: its unmerged rows are lost then; get the MERGE task running (README, "Failures")',
    ]);
    expect(judge({}, { stream: stream('2025-03-03T12:01:00.000Z') }).problems).toEqual([]);
    expect(judge({}, { stream: stream('soon') }).problems).toEqual([]);
  });

  it('a suspended MERGE task is a problem, and so is a task state that could not be read', () => {
    expect(
      judge({}, { task: { ok: true, value: { name: 'T_MERGE', state: 'suspended' } } }).problems,
    ).toEqual([
      'MERGE task T_MERGE is suspended: nothing is merged until ALTER TASK … RESUME (README, "Failures")',
    ]);
    expect(judge({}, { task: { ok: false, error: 'denied' } }).problems).toEqual([
      'MERGE task state could not be read: denied',
    ]);
  });

  it('rows waiting for the MERGE longer than max_merge_lag_minutes are a problem; a quiet table is not', () => {
    const lag = (oldestWaitingAt: string | null, lastMergeAt: string | null) => ({
      ok: true as const,
      value: { waitingRows: 40, oldestWaitingAt, lastMergeAt },
    });
    expect(judge({}, { lag: lag('2025-03-01T10:59:00.000Z', null) }).problems).toEqual([
      '40 loaded rows wait for the MERGE since 2025-03-01T10:59:00.000Z (61 minutes, more than max_merge_lag_minutes 60); last merge: never',
    ]);
    expect(judge({}, { lag: lag('2025-03-01T11:00:00.000Z', null) }).problems).toEqual([]);
    // nothing waiting: however old the last merge, nothing is behind
    expect(judge({}, { lag: lag(null, '2025-02-01T00:00:00.000Z') }).problems).toEqual([]);
    expect(judge({}, { lag: { ok: false, error: 'denied' } }).problems).toEqual([
      'merge lag could not be read: denied',
    ]);
  });
});

describe('lastAttemptOf', () => {
  const result = (status: TableRunResult['status'], message?: string): TableRunResult => ({
    table: 't',
    status,
    runId: 'r',
    mode: 'none',
    rows: 0,
    files: 0,
    bytes: 0,
    compressedBytes: 0,
    window: { lower: null, upper: null },
    durationMs: 1,
    ...(message === undefined ? {} : { message }),
  });
  const times = (at: string) => ({ startedAt: new Date(at), finishedAt: new Date(at), leaseTtlMs: 300_000 });

  it('keeps the first locked time across locked attempts, and clears it on any other outcome', () => {
    const first = lastAttemptOf(result('locked', 'held'), times('2025-03-01T11:00:00Z'), undefined);
    expect(first.lockedSince).toBe('2025-03-01T11:00:00.000Z');
    const second = lastAttemptOf(result('locked', 'held'), times('2025-03-01T11:10:00Z'), first);
    expect(second.lockedSince).toBe('2025-03-01T11:00:00.000Z');
    expect(second.finishedAt).toBe('2025-03-01T11:10:00.000Z');
    expect(lastAttemptOf(result('ok'), times('2025-03-01T11:20:00Z'), second).lockedSince).toBeNull();
  });

  it('writes a failure message on one line', () => {
    const failed = lastAttemptOf(
      result('failed', 'first\n  caused by: second'),
      times('2025-03-01T11:00:00Z'),
      undefined,
    );
    expect(failed.message).toBe('first caused by: second');
  });
});
