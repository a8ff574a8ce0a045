import { resolve } from 'node:path';
import { PathOutsideError, treeDir } from '../../generated/tree.js';
import { CliError, type CliIo } from '../io.js';

/**
 * `<out>/<pipeline>` for generate and apply. Validation already restricts the pipeline name; the tree checks
 * again, so no bug in validation can make a command read, print, write or delete outside `out`.
 */
export async function pipelineTreeDir(io: CliIo, out: string, pipeline: string): Promise<string> {
  try {
    return await treeDir(resolve(io.cwd, out), pipeline);
  } catch (error) {
    if (error instanceof PathOutsideError)
      throw new CliError(`${error.message}; nothing was read or written`);
    throw error;
  }
}
