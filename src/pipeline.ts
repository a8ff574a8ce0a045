/** The pure core as one call: metadata directory → validated model (or every problem found). */
import { type Diagnostic, sortDiagnostics } from './metadata/diagnostics.js';
import { type LoadOptions, loadMetadata } from './metadata/load.js';
import { buildModel } from './model/build.js';
import type { PipelineModel } from './model/types.js';

export async function loadPipeline(
  options: LoadOptions,
): Promise<{ model: PipelineModel | undefined; diagnostics: Diagnostic[] }> {
  const loaded = await loadMetadata(options);
  if (!loaded.metadata) return { model: undefined, diagnostics: sortDiagnostics(loaded.diagnostics) };
  const built = buildModel(loaded.metadata);
  return { model: built.model, diagnostics: sortDiagnostics([...loaded.diagnostics, ...built.diagnostics]) };
}
