/**
 * Splitting a backfill over several MySQL connections. Each connection reads one primary-key range in key order,
 * so the source database serves the reads on several threads and the extractor builds several files at once;
 * a single query runs on one database thread, which was the critical path of a large initial load.
 *
 * Only single-column integer keys are split: their range is known from MIN and MAX without a scan and splits
 * into even intervals exactly (BigInt, so BIGINT UNSIGNED is fine). Uneven key density only makes the slices
 * unequal in size, never wrong. Any other key is read over one connection.
 */
import type { TableModel } from '../model/types.js';
import type { MysqlSource } from './mysql-source.js';
import type { BackfillSlice } from './state.js';

export function canSlice(table: TableModel): boolean {
  const [key] = table.primaryKey;
  return table.primaryKey.length === 1 && key?.encoding === 'integer';
}

/**
 * `count` slices covering every key: the first from the start, the last to the end (rows inserted with larger
 * keys during the backfill land there). Null when one connection will do: an empty table, or a key range under
 * `minKeysPerSlice` per slice (a small table is not worth extra connections and files).
 */
export function planSlices(
  lo: string | null,
  hi: string | null,
  count: number,
  minKeysPerSlice: number,
): BackfillSlice[] | null {
  if (lo === null || hi === null || count < 2) return null;
  const low = BigInt(lo);
  const span = BigInt(hi) - low;
  const n = BigInt(count);
  if (span < n * BigInt(Math.max(1, Math.ceil(minKeysPerSlice)))) return null;
  const ends: string[] = [];
  for (let i = 1n; i < n; i++) ends.push((low + (span * i) / n).toString());
  return [...ends, null].map((through, i) => ({
    after: i === 0 ? null : [ends[i - 1] as string],
    through: through === null ? null : [through],
    lastKey: null,
    done: false,
  }));
}

/**
 * Reads every slice at once, the first over `first` and each other over a connection of its own (closed after).
 * The first failure aborts `stopped` for the others and is what is thrown (their own errors are mostly that
 * stop), so a killed session still counts as a transient MySQL error and is retried.
 */
export async function readConcurrently<S, R>(
  slices: readonly S[],
  sources: { readonly first: MysqlSource; readonly connect: () => Promise<MysqlSource> },
  read: (slice: S, source: MysqlSource, stopped: AbortSignal) => Promise<R[]>,
): Promise<R[]> {
  const stop = new AbortController();
  const opened: MysqlSource[] = [];
  try {
    while (opened.length < slices.length - 1) opened.push(await sources.connect());
    const all = [sources.first, ...opened];
    const reads = await Promise.allSettled(
      slices.map((slice, i) =>
        read(slice, all[i] as MysqlSource, stop.signal).catch((error: unknown) => {
          stop.abort(error); // no-op after the first failure: its reason stays the cause
          throw error;
        }),
      ),
    );
    if (reads.some((r) => r.status === 'rejected')) throw stop.signal.reason;
    return reads.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}
