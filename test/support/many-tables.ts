/**
 * A metadata directory of the example pipeline scaled to `count` tables: copies of metadata/tables/books.yaml and
 * book_reviews.yaml, alternating, renamed `books_0001`, `book_reviews_0002`, … (each copy reads the same MySQL
 * table). Used by the apply and generate benchmarks and by tests that need a wide pipeline.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = ['books', 'book_reviews'] as const;

/** A temp directory holding metadata/ with `count` tables; the caller removes it. */
export async function manyTablesWorkDir(count: number): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), `snowstage-${count}-tables-`));
  await cp(join(ROOT, 'metadata/pipeline.yaml'), join(work, 'metadata/pipeline.yaml'));
  await mkdir(join(work, 'metadata/tables'), { recursive: true });
  const sources = await Promise.all(
    EXAMPLES.map((name) => readFile(join(ROOT, `metadata/tables/${name}.yaml`), 'utf8')),
  );
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const example = i % EXAMPLES.length;
      const name = `${EXAMPLES[example]}_${String(i + 1).padStart(4, '0')}`;
      const text = (sources[example] ?? '').replace(/^name: .*$/m, `name: ${name}`);
      return writeFile(join(work, `metadata/tables/${name}.yaml`), text);
    }),
  );
  return work;
}

export function removeWorkDir(work: string): Promise<void> {
  return rm(work, { recursive: true, force: true });
}
