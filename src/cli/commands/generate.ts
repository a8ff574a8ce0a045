import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type MigrationProblem, withMigrations } from '../../generated/migrations.js';
import { formatModelChanges } from '../../generated/report.js';
import { applyChanges, diffTree, readTree, unifiedDiff } from '../../generated/tree.js';
import { formatDiagnostic } from '../../metadata/diagnostics.js';
import { parseYamlSource } from '../../metadata/yaml-source.js';
import { loadTemplates, render } from '../../render/render.js';
import { type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';
import { pipelineTreeDir } from './tree-dir.js';

export interface GenerateOptions extends MetadataOptions {
  readonly out: string;
  readonly check: boolean;
  /** a table removed from the metadata: its migration also drops the landing and target tables */
  readonly dropTables?: boolean;
}

export async function generateCommand(io: CliIo, options: GenerateOptions): Promise<number> {
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const dir = await pipelineTreeDir(io, options.out, model.name);
  const displayDir = join(options.out, model.name);
  const templates = loadTemplates();
  const existing = await readTree(dir);
  const result = withMigrations(model, existing, render(model, templates), templates, {
    dropTables: options.dropTables === true,
  });
  io.stdout.write(formatModelChanges(result, displayDir));
  if (result.problems.length > 0) {
    for (const problem of result.problems) io.stderr.write(`${await locate(io, problem)}\n`);
    const n = result.problems.length;
    io.stderr.write(`${n} change${n === 1 ? '' : 's'} refused; nothing was written\n`);
    return EXIT.problems;
  }
  const files = result.files;
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
  // one write: stdout to a file or pipe is synchronous, and a line at a time was 3,013 system calls for 500 tables
  io.stdout.write(changes.map((c) => `${c.kind.padEnd(7)} ${displayDir}/${c.path}\n`).join(''));
  for (const migration of result.added) {
    io.stdout.write(
      `note: ${displayDir}/${migration.path} (${migration.covers}); review it, then run it deliberately with \`snowstage apply --migration ${migration.path.replace(/^migrations\//, '').replace(/\.sql$/, '')}\` (apply runs migrations only when named)\n`,
    );
  }
  io.stdout.write(`${displayDir}: ${files.length} files, ${changes.length} changed\n`);
  return EXIT.ok;
}

/** `file:line:col /pointer: message`, the position read from the metadata file the problem names. */
async function locate(io: CliIo, problem: MigrationProblem): Promise<string> {
  try {
    const { source } = parseYamlSource(problem.file, await readFile(resolve(io.cwd, problem.file), 'utf8'));
    return formatDiagnostic(source.at(problem.pointer, problem.message));
  } catch {
    return formatDiagnostic({ line: 1, column: 1, ...problem });
  }
}
