/**
 * The build precompiles the Handlebars templates (scripts/compile-templates.mjs) and the built renderer uses them
 * instead of compiling on every start; what it renders must be byte for byte what the goldens (rendered from src/,
 * where templates are compiled at run time) expect.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = join(ROOT, 'test/golden/cases');
const cases = readdirSync(CASES)
  .filter((name) => existsSync(join(CASES, name, 'expected')))
  .sort();

interface BuiltRender {
  TEMPLATE_NAMES: readonly string[];
  loadTemplates(): unknown;
  precompiledTemplateCount(): number;
  render(model: unknown, templates: unknown): { path: string; content: string }[];
}
interface BuiltPipeline {
  loadPipeline(options: { dir: string; env: Record<string, string>; cwd: string }): Promise<{
    model: { name: string } | undefined;
  }>;
}

const built = async () => ({
  ...((await import(join(ROOT, 'dist/render/render.js'))) as BuiltRender),
  ...((await import(join(ROOT, 'dist/pipeline.js'))) as BuiltPipeline),
});

describe('precompiled templates (dist/)', () => {
  it('are built, and the built renderer takes every template from them', async () => {
    const { TEMPLATE_NAMES, loadTemplates, precompiledTemplateCount } = await built();
    loadTemplates();
    expect(precompiledTemplateCount()).toBe(TEMPLATE_NAMES.length);
  });

  it.each(cases)('render the golden tree byte for byte: %s', async (name) => {
    const { loadPipeline, loadTemplates, render } = await built();
    const dir = join(CASES, name);
    const envFile = join(dir, 'env.json');
    const env = existsSync(envFile)
      ? (JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>)
      : {};
    const { model } = await loadPipeline({ dir: join(dir, 'metadata'), env, cwd: dir });
    expect(model).toBeDefined();
    for (const file of render(model, loadTemplates())) {
      const expected = readFileSync(
        join(dir, 'expected', (model as { name: string }).name, file.path),
        'utf8',
      );
      expect(file.content, file.path).toBe(expected);
    }
  });
});
