/**
 * `snowstage introspect`: table metadata from MySQL's information_schema. Prints suggested YAML; with --write
 * creates missing table files and updates existing ones in place (columns only), reporting drift; with --check
 * writes nothing and exits 1 on drift. Every file is validated against the published schema before it is written.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { MysqlSource } from '../../extract/mysql-source.js';
import { keyUniqueness } from '../../extract/source-indexes.js';
import { readSourceSchema, type SourceTable } from '../../introspect/read-source.js';
import { suggestTable, type TableSuggestion } from '../../introspect/suggest.js';
import { describeDrift, newTableText, updateTableText } from '../../introspect/table-file.js';
import { formatDiagnostic } from '../../metadata/diagnostics.js';
import { interpolate } from '../../metadata/env.js';
import { loadPipelineFile, MAX_FILE_BYTES, TABLES_DIR } from '../../metadata/load.js';
import { validateAgainstSchema } from '../../metadata/schema.js';
import { parseYamlSource } from '../../metadata/yaml-source.js';
import { buildSource } from '../../model/build.js';
import { CliError, type CliIo, EXIT } from '../io.js';

export interface IntrospectOptions {
  readonly metadata: string;
  readonly table: string[];
  readonly write: boolean;
  readonly check: boolean;
}

interface TableFile {
  readonly path: string;
  readonly text: string;
  readonly sourceTable: string;
  readonly primaryKey: readonly string[];
}

const SCHEMA_COMMENT = 'yaml-language-server: $schema=https://snowstage.dev/schemas/table.schema.json';

export async function introspectCommand(io: CliIo, options: IntrospectOptions): Promise<number> {
  if (options.write && options.check)
    throw new CliError('--write and --check exclude each other', EXIT.usage);
  const dir = resolve(io.cwd, options.metadata);
  const { pipeline, diagnostics } = await loadPipelineFile({ dir, env: io.env, cwd: io.cwd });
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!pipeline) return EXIT.problems;
  const settings = buildSource(pipeline.doc);
  if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) {
    throw new CliError(
      `${pipeline.source.file}: source.port is ${JSON.stringify(pipeline.doc.source.port)}, expected a TCP port number 1-65535`,
    );
  }
  const source = await MysqlSource.connect({ source: settings, env: io.env }).catch((error: unknown) => {
    throw new CliError(`cannot read MySQL: ${error instanceof Error ? error.message : String(error)}`);
  });
  const schema = await readSourceSchema(source).finally(() => source.close());
  const files = await tableFiles(join(dir, TABLES_DIR));
  const tables = selected(schema.tables, files, options);
  const run = new IntrospectRun(io, options, dir, files);
  for (const table of tables) await run.table(table);
  run.missingTables(schema.tables);
  return run.exitCode();
}

/** Named tables; otherwise every table (print, --write) or those with a file (--check). */
function selected(
  tables: readonly SourceTable[],
  files: readonly TableFile[],
  options: IntrospectOptions,
): SourceTable[] {
  if (options.table.length > 0) {
    const unknown = options.table.filter((n) => !tables.some((t) => t.name === n));
    if (unknown.length > 0) {
      throw new CliError(
        `no table ${unknown.join(', ')} in the MySQL database; its tables are: ${tables.map((t) => t.name).join(', ')}`,
        EXIT.usage,
      );
    }
    return tables.filter((t) => options.table.includes(t.name));
  }
  if (!options.check) return [...tables];
  return tables.filter((t) => files.some((f) => f.sourceTable === t.name));
}

async function tableFiles(tablesDir: string): Promise<TableFile[]> {
  const names = await readdir(tablesDir).catch(() => [] as string[]);
  const files: TableFile[] = [];
  for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const path = join(tablesDir, name);
    // the loader's cap: a huge file is refused before it is parsed
    if ((await stat(path)).size > MAX_FILE_BYTES) {
      throw new CliError(`${path} is larger than ${MAX_FILE_BYTES} bytes; nothing was read or written`);
    }
    const text = await readFile(path, 'utf8');
    const value = plainValue(text);
    files.push({
      path,
      text,
      sourceTable: String(value?.source_table ?? ''),
      primaryKey: Array.isArray(value?.primary_key) ? value.primary_key.map(String) : [],
    });
  }
  return files;
}

/** A file that is not valid YAML matches no MySQL table (and is never overwritten: its name is taken). */
function plainValue(text: string): { source_table?: unknown; primary_key?: unknown } | null {
  try {
    const doc = parseDocument(text);
    return doc.errors.length > 0
      ? null
      : (doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null);
  } catch {
    return null;
  }
}

class IntrospectRun {
  #drift = false;
  #problems = 0;

  constructor(
    private readonly io: CliIo,
    private readonly options: IntrospectOptions,
    private readonly dir: string,
    private readonly files: readonly TableFile[],
  ) {}

  async table(table: SourceTable): Promise<void> {
    const suggestion = suggestTable(table);
    const file = this.files.find((f) => f.sourceTable === table.name);
    if (!this.options.write && !this.options.check) this.#print(suggestion);
    if (file) await this.#existing(table, suggestion, file);
    else if (this.options.write || this.options.check) await this.#missing(suggestion);
  }

  missingTables(tables: readonly SourceTable[]): void {
    for (const file of this.files) {
      if (tables.some((t) => t.name === file.sourceTable)) continue;
      if (this.options.table.length > 0) continue;
      this.#drift = true;
      this.#note(`${this.#show(file.path)}: MySQL table ${file.sourceTable} no longer exists`);
    }
  }

  exitCode(): number {
    if (this.#problems > 0) return EXIT.problems;
    return this.options.check && this.#drift ? EXIT.problems : EXIT.ok;
  }

  #print(s: TableSuggestion): void {
    for (const p of s.problems) this.#problem(`MySQL table ${s.sourceTable}: ${p}`);
    if (s.snapshot) this.#note(`MySQL table ${s.sourceTable}: mode: snapshot suggested: ${s.snapshot}`);
    if (s.problems.length === 0) this.io.stdout.write(`---\n${newTableText(s, SCHEMA_COMMENT)}`);
  }

  async #existing(table: SourceTable, s: TableSuggestion, file: TableFile): Promise<void> {
    const shown = this.#show(file.path);
    const nullable = new Set(table.columns.filter((c) => c.nullable).map((c) => c.name.toLowerCase()));
    // a file without primary_key is a keyless snapshot table (mode: snapshot): there is no key to check
    const verdict =
      file.primaryKey.length > 0
        ? keyUniqueness(file.primaryKey, nullable, table.indexes)
        : ({ ok: true } as const);
    if (!verdict.ok) {
      this.#problem(
        `${shown}: primary_key [${file.primaryKey.join(', ')}] is not enforced as unique by MySQL table ${table.name}: ${verdict.reason}; extract refuses it. ${s.key ? `Use [${s.key.columns.join(', ')}] (${s.key.reason})` : 'Add a PRIMARY KEY or UNIQUE index on NOT NULL columns in MySQL'}`,
      );
    }
    for (const w of s.warnings) this.#note(`${shown}: warning: ${w}`);
    const updated = updateTableText(file.text, s);
    if ('error' in updated) return this.#problem(`${shown}: ${updated.error}`);
    for (const d of updated.drift) this.#note(`${shown}: drift: ${describeDrift(d)}`);
    if (updated.drift.length > 0) this.#drift = true;
    if (this.options.write && updated.text !== undefined)
      await this.#write(file.path, updated.text, 'updated');
  }

  async #missing(s: TableSuggestion): Promise<void> {
    const path = join(this.dir, TABLES_DIR, `${s.name}.yaml`);
    if (this.options.check) {
      this.#drift = true;
      return this.#note(`${this.#show(path)}: missing (MySQL table ${s.sourceTable} has no table file)`);
    }
    for (const p of s.problems) this.#problem(`MySQL table ${s.sourceTable}: ${p}; no file written`);
    if (s.problems.length > 0) return;
    if (s.snapshot) this.#note(`MySQL table ${s.sourceTable}: mode: snapshot suggested: ${s.snapshot}`);
    if (this.files.some((f) => f.path === path)) {
      return this.#problem(
        `${this.#show(path)} exists but is not the file of MySQL table ${s.sourceTable} (it names another source_table, or is not valid YAML); nothing written`,
      );
    }
    await this.#write(path, newTableText(s, SCHEMA_COMMENT), 'created');
  }

  /** Validated against the published schema first; written to a temporary name, then renamed (never half a file). */
  async #write(path: string, text: string, what: string): Promise<void> {
    const shown = this.#show(path);
    const { source, problems } = parseYamlSource(shown, text);
    const { value } = interpolate(source.value, this.io.env);
    const diagnostics = [...problems, ...validateAgainstSchema('table', value, source)];
    if (diagnostics.length > 0) {
      for (const d of diagnostics) this.#problem(formatDiagnostic(d));
      return this.#problem(`${shown}: not written, it would not validate`);
    }
    try {
      // a newcomer's metadata directory may hold nothing but pipeline.yaml yet
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, text, { flag: 'w' });
      await rename(`${path}.tmp`, path);
    } catch (error) {
      return this.#problem(
        `${shown}: not written: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.#note(`${shown}: ${what}`);
  }

  #show(path: string): string {
    return relative(this.io.cwd, path) || path;
  }

  #note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  #problem(line: string): void {
    this.#problems++;
    this.io.stderr.write(`${line}\n`);
  }
}
