import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';

export async function validateCommand(io: CliIo, options: MetadataOptions): Promise<number> {
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const tables = model.tables.map((t) => t.name).join(', ');
  io.stdout.write(
    `${options.metadata}: pipeline ${model.name} is valid (${model.tables.length} tables: ${tables})\n`,
  );
  return EXIT.ok;
}
