import { resolve } from 'node:path';
import { formatDiagnostic } from '../../metadata/diagnostics.js';
import type { PipelineModel } from '../../model/types.js';
import { loadPipeline } from '../../pipeline.js';
import { type CliIo, EXIT } from '../io.js';

export interface MetadataOptions {
  readonly metadata: string;
}

/** Loads and validates; prints every problem and a count. Returns the model or the exit code to use. */
export async function loadOrReport(io: CliIo, options: MetadataOptions): Promise<PipelineModel | number> {
  const dir = resolve(io.cwd, options.metadata);
  const { model, diagnostics } = await loadPipeline({ dir, env: io.env, cwd: io.cwd });
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!model || diagnostics.length > 0) {
    const n = diagnostics.length;
    io.stderr.write(`${n} problem${n === 1 ? '' : 's'} found in ${options.metadata}\n`);
    return EXIT.problems;
  }
  return model;
}
