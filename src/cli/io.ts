/** What a command may touch of the process: streams, environment, working directory. Tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** aborted on SIGTERM/SIGINT by bin/snowstage.js: long-running commands stop cleanly */
  readonly signal?: AbortSignal;
}

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** A failure the CLI reports as one clear message and an exit code, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.problems,
  ) {
    super(message);
  }
}

/** Help text of every command's -m/--metadata option. */
export const METADATA_HELP = 'metadata directory (pipeline.yaml and tables/*.yaml)';
