/**
 * Runs `apply` / `status` in-process the way src/cli/main.ts runs every command (same commander settings and
 * error handling), without depending on main.ts wiring them in. Also prepares a work directory with the example
 * metadata and freshly generated SQL.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { ApplyDeps } from '../../src/cli/commands/apply.js';
import { registerApplyCommand } from '../../src/cli/commands/apply-command.js';
import { generateCommand } from '../../src/cli/commands/generate.js';
import type { StatusDeps } from '../../src/cli/commands/status.js';
import { registerStatusCommand } from '../../src/cli/commands/status-command.js';
import { CliError, type CliIo, EXIT } from '../../src/cli/io.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  applyDeps?: Partial<ApplyDeps>;
  statusDeps?: Partial<StatusDeps>;
}

export async function runCommand(argv: string[], options: RunOptions): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env ?? {},
    cwd: options.cwd,
  };
  let code: number = EXIT.ok;
  const setExit = (value: number) => {
    code = value;
  };
  const program = new Command('snowstage')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerApplyCommand(program, io, setExit, options.applyDeps);
  registerStatusCommand(program, io, setExit, options.statusDeps);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    else if (error instanceof CliError) {
      io.stderr.write(`snowstage: ${error.message}\n`);
      code = error.exitCode;
    } else throw error;
  }
  return { code, stdout, stderr };
}

/** A temp directory holding metadata/ (the bookstore example) and generated/ rendered from it with `env`. */
export async function prepareWorkDir(env: Record<string, string | undefined> = {}): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'snowstage-apply-'));
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
  const quiet = { write: () => true };
  const code = await generateCommand(
    { stdout: quiet, stderr: quiet, env, cwd: work },
    { metadata: 'metadata', out: 'generated', check: false },
  );
  if (code !== 0) throw new Error(`generate failed with ${code}`);
  return work;
}
