/**
 * Migration goldens: each case under test/golden/migration-cases/<name>/ holds the metadata of a committed tree
 * (before/) and the edited metadata (after/), with an optional env.json. The test renders before/ as the committed
 * tree, runs generate's migration step for after/, and compares what it adds under migrations/ and the model
 * changes it prints with expected/. UPDATE_GOLDEN=1 rewrites them; in CI a missing golden fails.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withMigrations } from '../../src/generated/migrations.js';
import { formatModelChanges } from '../../src/generated/report.js';
import { readTree } from '../../src/generated/tree.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { splitStatements } from '../../src/sql/split.js';

const CASES = fileURLToPath(new URL('./migration-cases/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const templates = loadTemplates();

function caseEnv(dir: string): Record<string, string> {
  const file = join(dir, 'env.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

async function modelOf(dir: string, metadata: string) {
  const { model, diagnostics } = await loadPipeline({
    dir: join(dir, metadata),
    env: caseEnv(dir),
    cwd: dir,
  });
  if (!model || diagnostics.length > 0) throw new Error(`${metadata}: ${JSON.stringify(diagnostics)}`);
  return model;
}

async function runCase(dir: string): Promise<Map<string, string>> {
  const before = await modelOf(dir, 'before');
  const committed = new Map(render(before, templates).map((f) => [f.path, f.content]));
  const after = await modelOf(dir, 'after');
  const result = withMigrations(after, committed, render(after, templates), templates);
  const out = new Map<string, string>();
  out.set(
    'model-changes.txt',
    `${formatModelChanges(result, 'generated/x')}${problemsText(result.problems)}`,
  );
  for (const file of result.files) if (file.path.startsWith('migrations/')) out.set(file.path, file.content);
  return out;
}

function problemsText(problems: readonly { file: string; pointer: string; message: string }[]): string {
  return problems.map((p) => `problem: ${p.pointer}: ${p.message}\n`).join('');
}

const names = readdirSync(CASES).sort();

describe('migration golden cases', () => {
  for (const name of names) {
    it(name, async () => {
      const dir = join(CASES, name);
      const result = await runCase(dir);
      const expectedDir = join(dir, 'expected');
      if (!existsSync(expectedDir) && process.env.CI)
        throw new Error(`golden for ${name} is missing; run UPDATE_GOLDEN=1 npm test`);
      if (UPDATE || !existsSync(expectedDir)) {
        await rm(expectedDir, { recursive: true, force: true });
        for (const [path, content] of result) {
          await mkdir(dirname(join(expectedDir, path)), { recursive: true });
          await writeFile(join(expectedDir, path), content);
        }
      }
      const expected = await readTree(expectedDir);
      expect([...result.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [path, content] of result) expect(content, path).toBe(expected.get(path));
      for (const [path, content] of result) {
        if (!path.endsWith('.sql')) continue;
        const { statements, errors } = splitStatements(content);
        expect(errors, path).toEqual([]);
        for (const s of statements)
          expect(s.text, path).toMatch(/^(ALTER|CREATE OR REPLACE PIPE|DROP|EXECUTE IMMEDIATE|SET|UPDATE) /);
      }
    });
  }
});
