/**
 * Runs `snowstage extract` the way users do: `node bin/snowstage.js extract …` as a child process, JSON log
 * lines (pino) on stdout, exit 0 or 1. A kill trigger may SIGKILL it at a chosen moment.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/snowstage.js');
const BUILT_CLI = join(ROOT, 'dist/cli/main.js');

export interface ExtractOptions {
  readonly tables?: readonly string[];
  readonly chunkRows?: number;
  readonly fileSizeMb?: number;
  readonly leaseTtlSeconds?: number;
  /** `--backfill`: re-read the whole table */
  readonly backfill?: boolean;
  /** `--key-snapshot`: take a key snapshot now (tables with delete_detection) */
  readonly keySnapshot?: boolean;
  /** `-o`: the generated directory extract checks for staleness */
  readonly generatedDir?: string;
  /** arms a kill: called once the child is spawned; returns a disarm function */
  readonly killWhen?: KillTrigger;
}

export interface KillControls {
  /** SIGKILLs the child (once) */
  kill(reason: string): void;
  /** every stdout line, parsed when it is JSON */
  onLogLine(listener: (line: Record<string, unknown>) => void): void;
}

export type KillTrigger = (controls: KillControls) => () => void;

export interface TableSummary {
  readonly table: string;
  readonly status: string;
  readonly mode: string;
  readonly runId: string;
  readonly rows: number;
  readonly files: number;
  readonly detail?: string;
  /** what the run warned about (the JSON summary's `warnings`) */
  readonly warnings?: readonly string[];
}

export interface ExtractResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** why the trigger killed it, when it did */
  readonly killed: string | undefined;
  readonly summaries: readonly TableSummary[];
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export function extractArgs(metadataDir: string, options: ExtractOptions): string[] {
  const args = ['extract', '-m', metadataDir];
  if (options.chunkRows !== undefined) args.push('--chunk-rows', String(options.chunkRows));
  if (options.fileSizeMb !== undefined) args.push('--file-size-mb', String(options.fileSizeMb));
  if (options.backfill) args.push('--backfill');
  if (options.keySnapshot) args.push('--key-snapshot');
  if (options.generatedDir !== undefined) args.push('-o', options.generatedDir);
  if (options.leaseTtlSeconds !== undefined)
    args.push('--lease-ttl-seconds', String(options.leaseTtlSeconds));
  // variadic, so last
  if (options.tables && options.tables.length > 0) args.push('--table', ...options.tables);
  return args;
}

export async function runExtract(
  metadataDir: string,
  env: Readonly<Record<string, string>>,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...extractArgs(metadataDir, options)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killed: string | undefined;
  const lineListeners: ((line: Record<string, unknown>) => void)[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    stdout += `${line}\n`;
    const parsed = parseJsonLine(line);
    if (parsed) for (const listener of lineListeners) listener(parsed);
  });
  const disarm = options.killWhen?.({
    kill(reason) {
      if (killed !== undefined || child.exitCode !== null) return;
      killed = reason;
      child.kill('SIGKILL');
    },
    onLogLine(listener) {
      lineListeners.push(listener);
    },
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  disarm?.();
  return {
    code,
    signal,
    // a kill that raced with a normal exit did not happen
    killed: signal === 'SIGKILL' ? killed : undefined,
    summaries: stdout
      .split('\n')
      .map(parseJsonLine)
      .filter((l): l is Record<string, unknown> => l?.event === 'table_summary')
      .map(toSummary)
      // tables run concurrently and report as they finish; tests read them in table (metadata) order
      .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)),
    stdout,
    stderr,
    durationMs: Date.now() - started,
  };
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function toSummary(line: Record<string, unknown>): TableSummary {
  return {
    table: String(line.table),
    status: String(line.status),
    mode: String(line.mode),
    runId: String(line.runId),
    rows: Number(line.rows),
    files: Number(line.files),
    ...(typeof line.detail === 'string' ? { detail: line.detail } : {}),
    ...(Array.isArray(line.warnings) ? { warnings: line.warnings.map(String) } : {}),
  };
}

/** Human-readable account of a run, for assertion messages. */
export function describeRun(result: ExtractResult): string {
  return [
    `exit ${result.code} signal ${result.signal} killed ${result.killed ?? 'no'} in ${result.durationMs} ms`,
    `stdout:\n${result.stdout.slice(-4000)}`,
    `stderr:\n${result.stderr.slice(-2000)}`,
  ].join('\n');
}

/**
 * The CLI runs from dist/: a stale build would test old code. `npm test` builds first; when running vitest
 * directly, say so instead of silently testing yesterday's extractor.
 */
export async function assertCliBuilt(): Promise<void> {
  if (!existsSync(BUILT_CLI)) throw new Error('dist/ is missing: run `npm run build` before the e2e suite');
  const built = statSync(BUILT_CLI).mtimeMs;
  const newer = (await sourceFiles(join(ROOT, 'src'))).filter((f) => statSync(f).mtimeMs > built);
  if (newer.length > 0) {
    console.warn(`e2e: dist/ is older than ${newer.slice(0, 3).join(', ')}: run \`npm run build\``);
  }
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}
