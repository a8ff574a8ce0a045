import { join } from 'node:path';
import { withMigrations } from '../../generated/migrations.js';
import { applyChanges, diffTree, readTree, unifiedDiff } from '../../generated/tree.js';
import { loadTemplates, render } from '../../render/render.js';
import { type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';
import { pipelineTreeDir } from './tree-dir.js';

export interface GenerateOptions extends MetadataOptions {
  readonly out: string;
  readonly check: boolean;
}

export async function generateCommand(io: CliIo, options: GenerateOptions): Promise<number> {
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const dir = await pipelineTreeDir(io, options.out, model.name);
  const displayDir = join(options.out, model.name);
  const templates = loadTemplates();
  const existing = await readTree(dir);
  const files = withMigrations(model, existing, render(model, templates), templates);
  const changes = diffTree(existing, files);
  if (options.check) {
    if (changes.length === 0) {
      io.stdout.write(`${displayDir} is up to date (${files.length} files)\n`);
      return EXIT.ok;
    }
    io.stdout.write(unifiedDiff(displayDir, changes));
    io.stderr.write(
      `${displayDir} is stale: ${changes.length} file${changes.length === 1 ? '' : 's'} differ from the metadata; run \`snowstage generate\` and commit the result\n`,
    );
    return EXIT.problems;
  }
  await applyChanges(dir, changes);
  for (const change of changes) io.stdout.write(`${change.kind.padEnd(7)} ${displayDir}/${change.path}\n`);
  for (const change of changes.filter((c) => c.kind === 'added' && c.path.startsWith('migrations/'))) {
    io.stdout.write(
      `note: ${displayDir}/${change.path} recreates pipes; review it, then run it deliberately (snowstage apply runs migrations only when named)\n`,
    );
  }
  io.stdout.write(`${displayDir}: ${files.length} files, ${changes.length} changed\n`);
  return EXIT.ok;
}
