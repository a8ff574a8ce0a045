/**
 * Whether a table's state may be trusted for this run. state.ts checks the file's shape; this checks its meaning
 * against the table and the source, because a state that parses can still silently skip data: a watermark in
 * the future, an impossible date (MySQL turns it into NULL and every run then reads nothing), backfill ranges
 * with a gap, or the state of another pipeline or source that happens to share the bucket and prefix. Pure.
 */
import { type ColumnModel, cursorOf, type TableModel } from '../model/types.js';
import { formatDate, formatDateTime, parseWallClock } from './cursor-time.js';
import type { WallClock } from './mysql-source.js';
import { canSlice } from './slices.js';
import type { BackfillSlice, KeyPosition, StateIdentity, TableState } from './state.js';
import { datetimeNow } from './window.js';

/** The pipeline and source a run works for, as recorded in state. */
export function identityOf(
  pipeline: string,
  source: { readonly host: string; readonly port: number; readonly database: string },
  table: TableModel,
): StateIdentity {
  return {
    pipeline,
    source: { host: source.host, port: source.port, database: source.database, table: table.sourceTable },
  };
}

/** Problems that make the state unusable before anything is read (empty when it is fine). */
export function stateProblems(state: TableState, table: TableModel, expected: StateIdentity): string[] {
  return [...identityProblems(state.identity, expected), ...valueProblems(state, table)];
}

function identityProblems(recorded: StateIdentity | null, expected: StateIdentity): string[] {
  // state written before identities were recorded: adopted, and recorded on the next save
  if (recorded === null) return [];
  const problems: string[] = [];
  if (recorded.pipeline !== expected.pipeline) {
    problems.push(
      `it belongs to pipeline "${recorded.pipeline}", not "${expected.pipeline}": two pipelines share this bucket and prefix; give each its own s3.prefix`,
    );
  }
  const was = describeSource(recorded.source);
  const is = describeSource(expected.source);
  if (was !== is) {
    problems.push(
      `it was written reading ${was}, this run reads ${is}: if the source really moved (same data), change "identity.source" in the file to match; otherwise give this pipeline its own s3.prefix`,
    );
  }
  return problems;
}

function describeSource(source: StateIdentity['source']): string {
  return `${source.host}:${source.port}/${source.database}.${source.table}`;
}

function valueProblems(state: TableState, table: TableModel): string[] {
  const problems: string[] = [];
  const cursor = (value: string | null, path: string) => {
    const problem = value === null ? undefined : valueProblem(cursorOf(table), value);
    if (problem) problems.push(`${path} ${JSON.stringify(value)} ${problem}`);
  };
  const key = (values: readonly string[] | null, path: string, allowEmpty: boolean) => {
    if (values === null || (allowEmpty && values.length === 0)) return;
    if (values.length !== table.primaryKey.length) {
      problems.push(
        `${path} has ${values.length} values; the primary key has ${table.primaryKey.length} columns`,
      );
      return;
    }
    table.primaryKey.forEach((column, i) => {
      const problem = valueProblem(column, values[i] as string);
      if (problem) problems.push(`${path}[${i}] ${JSON.stringify(values[i])} ${problem}`);
    });
  };
  const position = (value: KeyPosition | null, path: string) => {
    if (value === null) return;
    cursor(value.cursor, `${path}.cursor`);
    key(value.key, `${path}.key`, true); // a watermark right after a backfill has no key
  };
  position(state.watermark, 'watermark');
  if (state.backfill) {
    cursor(state.backfill.upperCursor, 'backfill.upperCursor');
    key(state.backfill.lastKey, 'backfill.lastKey', false);
    state.backfill.slices?.forEach((slice, i) => {
      key(slice.after, `backfill.slices[${i}].after`, false);
      key(slice.through, `backfill.slices[${i}].through`, false);
      key(slice.lastKey, `backfill.slices[${i}].lastKey`, false);
    });
    if (state.backfill.slices && !canSlice(table)) {
      problems.push('backfill.slices is set, but only a single-column integer key is read in ranges');
    } else if (problems.length === 0 && state.backfill.slices) {
      problems.push(...sliceProblems(state.backfill.slices));
    }
  }
  return problems;
}

/** Why `text` is not a value the column's encoding produces, or undefined. */
function valueProblem(column: ColumnModel, text: string): string | undefined {
  switch (column.encoding) {
    case 'integer':
    case 'bit':
      return /^-?\d{1,20}$/.test(text) ? undefined : 'is not an integer';
    case 'decimal':
      return /^-?\d{1,65}(\.\d{1,30})?$/.test(text) ? undefined : 'is not a decimal number';
    case 'date':
      return exactDate(text) ? undefined : 'is not a real date (YYYY-MM-DD)';
    case 'datetime':
      return exactDateTime(text) ? undefined : 'is not a real date and time (YYYY-MM-DD HH:MM:SS.ffffff)';
    case 'timestamp_utc':
      return text.endsWith(' +00:00') && exactDateTime(text.slice(0, -7))
        ? undefined
        : 'is not a real UTC timestamp (YYYY-MM-DD HH:MM:SS.ffffff +00:00)';
    default:
      return undefined;
  }
}

/** Only a calendar date (no 2024-02-30, no zero month) survives the round trip through the clock arithmetic. */
function exactDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && Number(text.slice(0, 4)) >= 1000 && roundTrips(text, formatDate);
}

function exactDateTime(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/.test(text) &&
    Number(text.slice(0, 4)) >= 1000 &&
    roundTrips(text, formatDateTime)
  );
}

function roundTrips(text: string, format: (micros: bigint) => string): boolean {
  try {
    return format(parseWallClock(text)) === text;
  } catch {
    return false;
  }
}

/**
 * A split backfill's ranges must cover every key, in order, without gaps: from the start to the end, each
 * starting where the previous one ends, each one's progress inside it (integer keys only, see slices.ts).
 */
function sliceProblems(slices: readonly BackfillSlice[]): string[] {
  const problems: string[] = [];
  const first = slices[0];
  const last = slices[slices.length - 1];
  if (!first || !last) return ['backfill.slices is empty (use null for a backfill over one connection)'];
  if (first.after !== null)
    problems.push('backfill.slices[0].after must be null (the first range starts at the first key)');
  if (last.through !== null)
    problems.push(
      `backfill.slices[${slices.length - 1}].through must be null (the last range is open-ended)`,
    );
  slices.forEach((slice, i) => {
    const previous = slices[i - 1];
    if (previous && (previous.through?.[0] ?? null) !== (slice.after?.[0] ?? null)) {
      problems.push(
        `backfill.slices[${i}].after must equal backfill.slices[${i - 1}].through (no gap between ranges)`,
      );
    }
    const after = bigintOf(slice.after);
    const through = bigintOf(slice.through);
    const lastKey = bigintOf(slice.lastKey);
    if (after !== null && through !== null && after >= through) {
      problems.push(`backfill.slices[${i}] is empty or reversed (after ≥ through)`);
    }
    if (
      lastKey !== null &&
      ((after !== null && lastKey <= after) || (through !== null && lastKey > through))
    ) {
      problems.push(`backfill.slices[${i}].lastKey lies outside its range (after, through]`);
    }
  });
  return problems;
}

function bigintOf(key: readonly string[] | null): bigint | null {
  const [value] = key ?? [];
  return value === undefined ? null : BigInt(value);
}

/**
 * Time cursors recorded in state can never lie after the source's current time: the watermark is a row already
 * read below an upper bound taken from that clock. A later one (tampering, or state of another server) would
 * skip every row up to it. Numeric cursors have no clock; their maximum may legitimately drop when rows are
 * deleted, so they are not compared.
 */
export function futureProblems(state: TableState, table: TableModel, clock: WallClock): string[] {
  const now = currentCursor(table, clock);
  if (now === undefined) return [];
  const after = (value: string | null | undefined): boolean =>
    value !== null && value !== undefined && parseWallClock(value.replace(/ \+00:00$/, '')) > now;
  const problems: string[] = [];
  if (after(state.watermark?.cursor)) {
    problems.push(
      `watermark.cursor ${JSON.stringify(state.watermark?.cursor)} lies after the source's current time`,
    );
  }
  if (after(state.backfill?.upperCursor)) {
    problems.push(
      `backfill.upperCursor ${JSON.stringify(state.backfill?.upperCursor)} lies after the source's current time`,
    );
  }
  return problems;
}

function currentCursor(table: TableModel, clock: WallClock): bigint | undefined {
  switch (cursorOf(table).encoding) {
    case 'datetime':
      return parseWallClock(datetimeNow(table, clock));
    case 'date':
      return parseWallClock(clock.localNow);
    case 'timestamp_utc':
      return parseWallClock(clock.utcNow);
    default:
      return undefined;
  }
}
