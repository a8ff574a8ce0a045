/**
 * Is the committed generated/<pipeline>/ current for the tables an extract run is about to write? Files written
 * for a pipe that was never applied (or that loads another column list) are never loaded, so extract checks the
 * SQL of the pipeline-level objects and of its own tables before it writes anything.
 */
import { join } from 'node:path';
import type { PipelineModel, TableModel } from '../model/types.js';
import type { RenderedFile } from '../render/render.js';
import { diffTree, readTree, type TreeChange } from './tree.js';

export type Freshness =
  | { readonly state: 'current' }
  | { readonly state: 'missing'; readonly dir: string }
  | { readonly state: 'stale'; readonly dir: string; readonly changes: readonly TreeChange[] };

/** Only the files the extracted tables depend on: 1_pipeline/ and 2_tables/<table>/ of each one. */
export function relevantFiles(
  rendered: readonly RenderedFile[],
  tables: readonly TableModel[],
): RenderedFile[] {
  return rendered.filter((f) => isRelevant(f.path, tables));
}

export async function checkFreshness(
  model: PipelineModel,
  tables: readonly TableModel[],
  outDir: string,
  renderFiles: () => Promise<readonly RenderedFile[]>,
): Promise<Freshness> {
  const dir = join(outDir, model.name);
  const committed = await readTree(dir);
  // Rendering loads the templates: only worth it when there is something to compare with.
  if (committed.size === 0) return { state: 'missing', dir };
  const existing = new Map([...committed].filter(([path]) => isRelevant(path, tables)));
  const changes = diffTree(existing, relevantFiles(await renderFiles(), tables));
  return changes.length === 0 ? { state: 'current' } : { state: 'stale', dir, changes };
}

function isRelevant(path: string, tables: readonly TableModel[]): boolean {
  return path.startsWith('1_pipeline/') || tables.some((t) => path.startsWith(`2_tables/${t.name}/`));
}
