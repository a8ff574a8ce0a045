/** What a newcomer types first: --version and each command's --help. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('snowstage --version and --help', () => {
  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { version: string };
    const run = await runCli(['--version'], { cwd: ROOT });
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each(['validate', 'generate', 'introspect', 'extract', 'plan', 'apply', 'status'])(
    '%s --help shows each default once',
    async (command) => {
      const run = await runCli([command, '--help'], { cwd: ROOT });
      expect(run.code).toBe(0);
      // commander wraps help text: join the lines of each option before looking at it
      const options = run.stdout.split(/\n(?= {2}-)/).map((o) => o.replace(/\s+/g, ' '));
      for (const option of options) {
        expect(option.match(/\(default: /g)?.length ?? 0, option).toBeLessThanOrEqual(1);
      }
    },
  );

  it('extract --help names the table default in words, not as an empty list', async () => {
    const run = await runCli(['extract', '--help'], { cwd: ROOT });
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      '-t, --table <name...> only these tables (default: all)',
    );
  });
});
