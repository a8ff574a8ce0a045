/**
 * Every metadata fixture that should be valid validates against the published JSON Schemas as an editor would
 * see them: raw YAML (references not yet interpolated), a fresh ajv, no snowstage code in between.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const schema = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(schema('pipeline'));
ajv.addSchema(schema('table'));

function metadataDirs(): string[] {
  const cases = join(ROOT, 'test/golden/cases');
  return [
    join(ROOT, 'metadata'),
    ...readdirSync(cases)
      .filter((c) => !c.startsWith('error-'))
      .map((c) => join(cases, c, 'metadata')),
  ];
}

function filesOf(dir: string): [string, 'pipeline' | 'table'][] {
  const tables = readdirSync(join(dir, 'tables')).map((f): [string, 'table'] => [
    join(dir, 'tables', f),
    'table',
  ]);
  return [[join(dir, 'pipeline.yaml'), 'pipeline'], ...tables];
}

describe.each(metadataDirs().map((d) => [d.slice(ROOT.length)]))('%s', (dir) => {
  it('validates against the published schemas', () => {
    for (const [file, kind] of filesOf(join(ROOT, dir))) {
      const validate = ajv.getSchema(`https://snowstage.dev/schemas/${kind}.schema.json`);
      if (!validate) throw new Error(`schema ${kind} not found`);
      const ok = validate(parse(readFileSync(file, 'utf8')));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok, file).toBe(true);
    }
  });
});

describe('the example metadata', () => {
  it('points editors at the schema', () => {
    for (const [file, kind] of filesOf(join(ROOT, 'metadata'))) {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      expect(first, file).toMatch(
        new RegExp(`^# yaml-language-server: \\$schema=(\\.\\./)+schemas/${kind}\\.schema\\.json$`),
      );
    }
  });
});

describe('the error fixtures', () => {
  it('include a schema violation the published schema also rejects', () => {
    const file = join(ROOT, 'test/golden/cases/error-schema/metadata/pipeline.yaml');
    const validate = ajv.getSchema('https://snowstage.dev/schemas/pipeline.schema.json');
    expect(validate?.(parse(readFileSync(file, 'utf8')))).toBe(false);
  });
});
