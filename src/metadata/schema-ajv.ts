/**
 * The one ajv configuration of the metadata schemas, used at run time (when no precompiled validators exist,
 * e.g. tests run from src/) and by scripts/compile-schemas.mjs, which turns it into standalone code at build.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type CodeOptions } from 'ajv';

export type SchemaName = 'pipeline' | 'table';

export const SCHEMA_IDS: Record<SchemaName, string> = {
  pipeline: 'https://snowstage.dev/schemas/pipeline.schema.json',
  table: 'https://snowstage.dev/schemas/table.schema.json',
};

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

export function schemaPath(name: SchemaName): string {
  return fileURLToPath(new URL(`${name}.schema.json`, SCHEMA_DIR));
}

/**
 * The ajv that checks *resolved* metadata. The published schemas also accept a value that contains a reference
 * (`#/definitions/reference`), because editors see the file before interpolation; snowstage interpolates first,
 * so here that branch is `false`: every resolved value must match its strict pattern, whatever the environment
 * or a default put into it.
 */
export function createAjv(code?: CodeOptions): Ajv {
  // No type coercion: a value from the environment is a string, and only fields that say so accept one.
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    verbose: true,
    ...(code ? { code } : {}),
  });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  for (const name of ['pipeline', 'table'] as const) {
    ajv.addSchema(forResolvedValues(JSON.parse(readFileSync(schemaPath(name), 'utf8')) as PublishedSchema));
  }
  return ajv;
}

interface PublishedSchema {
  definitions?: Record<string, unknown>;
}

/** The published schema with its "or a reference" branch closed. */
export function forResolvedValues(schema: PublishedSchema): PublishedSchema {
  if (schema.definitions?.reference === undefined) return schema;
  return { ...schema, definitions: { ...schema.definitions, reference: false } };
}
