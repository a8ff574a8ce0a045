/**
 * Golden directories: each case under test/golden/cases/<name>/ holds metadata/ and either expected/ (the
 * generated tree) or expected-errors.txt (validation output). UPDATE_GOLDEN=1 rewrites them; in CI a missing
 * golden fails instead of being written.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { formatDiagnostic } from '../../src/metadata/diagnostics.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';

const CASES = fileURLToPath(new URL('./cases/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const templates = loadTemplates();

/** Each case may fix its environment in env.json; nothing leaks in from the machine running the tests. */
function caseEnv(dir: string): Record<string, string> {
  const file = join(dir, 'env.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

async function runCase(dir: string): Promise<{ errors?: string; files?: Map<string, string> }> {
  const { model, diagnostics } = await loadPipeline({
    dir: join(dir, 'metadata'),
    env: caseEnv(dir),
    cwd: dir,
  });
  if (!model || diagnostics.length > 0)
    return { errors: `${diagnostics.map(formatDiagnostic).join('\n')}\n` };
  return { files: new Map(render(model, templates).map((f) => [`${model.name}/${f.path}`, f.content])) };
}

async function writeGolden(
  dir: string,
  result: { errors?: string; files?: Map<string, string> },
): Promise<void> {
  await rm(join(dir, 'expected'), { recursive: true, force: true });
  await rm(join(dir, 'expected-errors.txt'), { force: true });
  if (result.errors !== undefined) return writeFile(join(dir, 'expected-errors.txt'), result.errors);
  for (const [path, content] of result.files ?? []) {
    await mkdir(dirname(join(dir, 'expected', path)), { recursive: true });
    await writeFile(join(dir, 'expected', path), content);
  }
}

const names = readdirSync(CASES).sort();

describe('golden cases', () => {
  it('has cases', () => {
    expect(names.length).toBeGreaterThan(5);
  });

  for (const name of names) {
    it(name, async () => {
      const dir = join(CASES, name);
      const result = await runCase(dir);
      const hasGolden = existsSync(join(dir, 'expected')) || existsSync(join(dir, 'expected-errors.txt'));
      if (UPDATE || (!hasGolden && !process.env.CI)) await writeGolden(dir, result);
      if (!hasGolden && process.env.CI)
        throw new Error(`golden for ${name} is missing; run UPDATE_GOLDEN=1 npm test`);
      const expectsErrors = existsSync(join(dir, 'expected-errors.txt'));
      if (expectsErrors) {
        expect(result.errors ?? '(no errors: metadata was valid)').toBe(
          readFileSync(join(dir, 'expected-errors.txt'), 'utf8'),
        );
      } else {
        expect(result.errors).toBeUndefined();
        const expected = await readTree(join(dir, 'expected'));
        expect([...(result.files ?? new Map()).keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [path, content] of result.files ?? []) expect(content, path).toBe(expected.get(path));
      }
    });
  }
});
