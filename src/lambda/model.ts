/** The pipeline model a Lambda function works for, loaded from the metadata directory bundled with it. */
import { formatDiagnostic } from '../metadata/diagnostics.js';
import type { PipelineModel } from '../model/types.js';
import { loadPipeline } from '../pipeline.js';

export async function loadModel(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<PipelineModel> {
  const { model, diagnostics } = await loadPipeline({ dir, env, cwd: dir });
  if (!model)
    throw new Error(
      `snowstage: invalid metadata in ${dir}:\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
  return model;
}
