/**
 * The build compiles the metadata schemas into standalone validators (scripts/compile-schemas.mjs) that the CLI
 * loads instead of compiling them with ajv on every start. The built pipeline loader must report exactly what
 * the error goldens (checked from src/, where the schemas are compiled at run time) expect.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = join(ROOT, 'test/golden/cases');
const errorCases = readdirSync(CASES)
  .filter((name) => existsSync(join(CASES, name, 'expected-errors.txt')))
  .sort();

interface BuiltPipeline {
  loadPipeline(options: { dir: string; env: Record<string, string>; cwd: string }): Promise<{
    diagnostics: { file: string }[];
  }>;
}
interface BuiltDiagnostics {
  formatDiagnostic(d: unknown): string;
}

describe('precompiled schema validators (dist/)', () => {
  it('are built, and the built loader uses them instead of compiling', async () => {
    const validators = (await import(join(ROOT, 'dist/metadata/schema-validators.js'))) as Record<
      string,
      unknown
    >;
    expect(typeof validators.pipeline).toBe('function');
    expect(typeof validators.table).toBe('function');
    const schema = (await import(join(ROOT, 'dist/metadata/schema.js'))) as {
      loadValidators(): Promise<void>;
      validatorsOrigin(): string | undefined;
    };
    await schema.loadValidators();
    expect(schema.validatorsOrigin()).toBe('precompiled');
  });

  it.each(errorCases)('report the same problems as the golden: %s', async (name) => {
    const { loadPipeline } = (await import(join(ROOT, 'dist/pipeline.js'))) as BuiltPipeline;
    const { formatDiagnostic } = (await import(
      join(ROOT, 'dist/metadata/diagnostics.js')
    )) as BuiltDiagnostics;
    const dir = join(CASES, name);
    const envFile = join(dir, 'env.json');
    const env = existsSync(envFile)
      ? (JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>)
      : {};
    const { diagnostics } = await loadPipeline({ dir: join(dir, 'metadata'), env, cwd: dir });
    expect(`${diagnostics.map(formatDiagnostic).join('\n')}\n`).toBe(
      readFileSync(join(dir, 'expected-errors.txt'), 'utf8'),
    );
  });
});
