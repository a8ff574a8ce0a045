/**
 * Reads a metadata directory: pipeline.yaml plus tables/*.yaml, interpolates environment references and
 * validates every file against its JSON Schema. Reports every problem at once; never throws for bad input.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import type { PipelineDoc, TableDoc } from './documents.js';
import { interpolate } from './env.js';
import { loadValidators, type SchemaName, validateAgainstSchema } from './schema.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export interface LoadedFile<T> {
  readonly source: YamlSource;
  readonly doc: T;
}

export interface LoadedMetadata {
  /** the metadata directory as given */
  readonly dir: string;
  readonly pipeline: LoadedFile<PipelineDoc>;
  /** sorted by file name */
  readonly tables: readonly LoadedFile<TableDoc>[];
}

export interface LoadOptions {
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** diagnostics show paths relative to this directory */
  readonly cwd: string;
}

export const PIPELINE_FILE = 'pipeline.yaml';
export const TABLES_DIR = 'tables';
/**
 * Bytes read of one metadata file. A table of MySQL's maximum 4096 columns is about 400 KB of YAML; a larger
 * file is refused before it is parsed (a 50 MB one took minutes and exhausted the heap).
 */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Table files per pipeline, checked before any is read. */
export const MAX_TABLE_FILES = 1000;

export async function loadMetadata(
  options: LoadOptions,
): Promise<{ metadata: LoadedMetadata | undefined; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  await loadValidators();
  const pipelinePath = join(options.dir, PIPELINE_FILE);
  const pipelineText = readText(pipelinePath);
  if (pipelineText === undefined) {
    return { metadata: undefined, diagnostics: [missingFile(options, pipelinePath, 'a pipeline file')] };
  }
  const pipeline = parsed<PipelineDoc>('pipeline', pipelinePath, pipelineText, options, diagnostics);
  const tables: LoadedFile<TableDoc>[] = [];
  const tableFiles = await listYaml(join(options.dir, TABLES_DIR));
  if (tableFiles.length === 0 || tableFiles.length > MAX_TABLE_FILES) {
    const what =
      tableFiles.length === 0
        ? 'at least one tables/<name>.yaml file'
        : `at most ${MAX_TABLE_FILES} table files (found ${tableFiles.length}; nothing was read)`;
    diagnostics.push(missingFile(options, join(options.dir, TABLES_DIR), what));
    return { metadata: undefined, diagnostics };
  }
  // parsed in file order (diagnostics stay in that order)
  tableFiles.forEach((path) => {
    const loaded = parsed<TableDoc>('table', path, readText(path) ?? '', options, diagnostics);
    if (loaded) tables.push(loaded);
  });
  const complete = pipeline !== undefined && tables.length === tableFiles.length && diagnostics.length === 0;
  return { metadata: complete ? { dir: options.dir, pipeline, tables } : undefined, diagnostics };
}

/** pipeline.yaml alone, validated, for commands that need the source before any table file exists (introspect). */
export async function loadPipelineFile(
  options: LoadOptions,
): Promise<{ pipeline: LoadedFile<PipelineDoc> | undefined; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  await loadValidators();
  const path = join(options.dir, PIPELINE_FILE);
  const text = readText(path);
  if (text === undefined)
    return { pipeline: undefined, diagnostics: [missingFile(options, path, 'a pipeline file')] };
  const pipeline = parsed<PipelineDoc>('pipeline', path, text, options, diagnostics);
  return { pipeline: diagnostics.length === 0 ? pipeline : undefined, diagnostics };
}

/** A file read within the size limit is parsed; one that was refused is reported at its line 1. */
function parsed<T>(
  schema: SchemaName,
  path: string,
  read: FileText,
  options: LoadOptions,
  diagnostics: Diagnostic[],
): LoadedFile<T> | undefined {
  if (typeof read === 'string') return loadFile<T>(schema, path, read, options, diagnostics);
  diagnostics.push({
    file: relative(options.cwd, path) || path,
    line: 1,
    column: 1,
    pointer: '',
    message: read.refused,
  });
  return undefined;
}

function loadFile<T>(
  schema: SchemaName,
  path: string,
  text: string,
  options: LoadOptions,
  diagnostics: Diagnostic[],
): LoadedFile<T> | undefined {
  const { source, problems } = parseYamlSource(relative(options.cwd, path) || path, text);
  diagnostics.push(...problems);
  if (problems.length > 0) return undefined;
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    diagnostics.push(
      source.at(
        '',
        `found ${source.value === null ? 'an empty file' : 'a non-mapping'}, expected a mapping of properties`,
      ),
    );
    return undefined;
  }
  const { value, problems: envProblems } = interpolate(source.value, options.env);
  diagnostics.push(...envProblems.map((p) => source.at(p.pointer, p.message)));
  // A value whose environment variable is missing was reported once already; its schema error would repeat it.
  const schemaProblems = validateAgainstSchema(
    schema,
    value,
    source,
    new Set(envProblems.map((p) => p.pointer)),
  );
  diagnostics.push(...schemaProblems);
  if (envProblems.length > 0 || schemaProblems.length > 0) return undefined;
  return { source, doc: value as T };
}

type FileText = string | { readonly refused: string };

/**
 * The text of a regular file of at most MAX_FILE_BYTES, read with a bounded buffer (a file that grows while
 * read, or a device, can never make it read more); undefined when absent. Read synchronously: for small files the
 * promise API's four thread-pool round trips (open, stat, read, close) cost about ten times the CPU of the reads
 * themselves (0.5 of 0.6 CPU-s for a 500-table generate). Opened non-blocking, so a FIFO cannot hang the open.
 */
function readText(path: string): FileText | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      return { refused: 'found something that is not a regular file, expected a YAML file' };
    // sized by the file (one byte more, to see growth), grown up to the limit only when the file grew while read:
    // a zero-filled 1 MiB buffer per file cost ~0.5 s of a 500-table generate
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length < buffer.length) continue;
      if (buffer.length > MAX_FILE_BYTES) break;
      const larger = Buffer.allocUnsafe(MAX_FILE_BYTES + 1);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    if (length > MAX_FILE_BYTES) {
      return {
        refused: `found a file of ${Math.max(stat.size, length)} bytes, expected at most ${MAX_FILE_BYTES} (metadata files are small; it was not parsed)`,
      };
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

async function listYaml(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
      .sort()
      .map((n) => join(dir, n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function missingFile(options: LoadOptions, path: string, what: string): Diagnostic {
  return {
    file: relative(options.cwd, path) || path,
    line: 1,
    column: 1,
    pointer: '',
    message: `not found, expected ${what} here`,
  };
}
