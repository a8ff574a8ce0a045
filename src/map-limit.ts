/**
 * `fn` over `items` with at most `limit` calls in flight, results in input order. For file I/O over many small
 * files (a 500-table pipeline has 3,000 generated files): one at a time leaves the disk and the thread pool idle,
 * all at once can run out of file descriptors.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Enough to keep libuv's four threads busy without holding many descriptors. */
export const FILE_CONCURRENCY = 32;
