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
 * Reads the slices over `first` plus as many more connections as `more` gives (up to one per slice; it answers
 * undefined when the run's connection budget has none free, and is never waited on). Each connection reads one
 * slice after another until none is left, so all of them run at once when there are enough connections, and in
 * turn otherwise. The first failure aborts `stopped` for the others and is what is thrown (their own errors are
 * mostly that stop), so a killed session still counts as a transient MySQL error and is retried.
 */
export async function readConcurrently<S, R>(
  slices: readonly S[],
  sources: { readonly first: MysqlSource; readonly more: () => Promise<MysqlSource | undefined> },
  read: (slice: S, source: MysqlSource, stopped: AbortSignal) => Promise<R[]>,
): Promise<R[]> {
  const stop = new AbortController();
  const opened: MysqlSource[] = [];
  try {
    while (opened.length < slices.length - 1) {
      const source = await sources.more();
      if (source === undefined) break;
      opened.push(source);
    }
    const results: R[][] = slices.map(() => []);
    let next = 0;
    const work = async (source: MysqlSource) => {
      for (let i = next++; i < slices.length && !stop.signal.aborted; i = next++) {
        results[i] = await read(slices[i] as S, source, stop.signal).catch((error: unknown) => {
          stop.abort(error); // no-op after the first failure: its reason stays the cause
          throw error;
        });
      }
    };
    const reads = await Promise.allSettled([sources.first, ...opened].map(work));
    if (reads.some((r) => r.status === 'rejected')) throw stop.signal.reason;
    return results.flat();
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}
