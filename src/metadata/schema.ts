/**
 * JSON Schema validation of metadata files with ajv (allErrors), turning ajv's errors into
 * "found …, expected …" diagnostics located in the YAML source.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.js';
import { parsePointer, quoteForMessage } from './diagnostics.js';
import type { SchemaName } from './schema-ajv.js';
import type { YamlSource } from './yaml-source.js';

// type only: a value export from schema-ajv.js would load ajv (~60 modules, 0.1 s) on every start
export type { SchemaName } from './schema-ajv.js';

type Validators = Record<SchemaName, ValidateFunction>;

let validators: Validators | undefined;
let origin: 'precompiled' | 'compiled' | undefined;

/** Where the validators in use came from (tests check the build ships precompiled ones). */
export function validatorsOrigin(): typeof origin {
  return origin;
}

/**
 * The build compiles the schemas into standalone code (scripts/compile-schemas.mjs): loading it skips ajv and
 * its ~70 ms of compiling on every start. Without it (tests run from src/) they are compiled here, with the same
 * configuration (schema-ajv.ts). test/cli/precompiled-schemas.test.ts checks both give the same diagnostics.
 */
export async function loadValidators(options: { precompiled?: boolean } = {}): Promise<void> {
  if (validators) return;
  if (options.precompiled !== false) {
    const generated = './schema-validators.js';
    try {
      validators = (await import(generated)) as Validators;
      origin = 'precompiled';
      return;
    } catch {
      // not built: compile below
    }
  }
  const { createAjv, SCHEMA_IDS } = await import('./schema-ajv.js');
  const ajv = createAjv();
  validators = {
    pipeline: ajv.getSchema(SCHEMA_IDS.pipeline) as ValidateFunction,
    table: ajv.getSchema(SCHEMA_IDS.table) as ValidateFunction,
  };
  origin = 'compiled';
}

function compiled(): Validators {
  if (!validators) throw new Error('loadValidators() must run before validateAgainstSchema()');
  return validators;
}

/** Validates (and type-coerces in place) a document; returns every problem at once. */
export function validateAgainstSchema(
  name: SchemaName,
  value: unknown,
  source: YamlSource,
  alreadyReported: ReadonlySet<string> = new Set(),
): Diagnostic[] {
  const validate = compiled()[name];
  if (validate(value)) return [];
  return (validate.errors ?? [])
    .filter((e) => isReportable(e) && !alreadyReported.has(e.instancePath))
    .map((e) => toDiagnostic(e, value, source));
}

/**
 * `if`/`anyOf` wrappers repeat what their branches already said; the closed reference branch (schema-ajv.ts)
 * fails for every value that missed the strict pattern, which that pattern's error already says.
 */
function isReportable(error: ErrorObject): boolean {
  return !['if', 'anyOf', 'oneOf', 'false schema'].includes(error.keyword);
}

function toDiagnostic(error: ErrorObject, root: unknown, source: YamlSource): Diagnostic {
  const params = error.params as Record<string, unknown>;
  const found = valueAt(root, error.instancePath);
  switch (error.keyword) {
    case 'required':
      return source.at(
        `${error.instancePath}/${String(params.missingProperty)}`,
        `missing property "${String(params.missingProperty)}", expected it to be set`,
      );
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {})
        .filter((k) => k !== '$schema')
        .join(', ');
      return source.at(
        `${error.instancePath}/${String(params.additionalProperty)}`,
        `unknown property "${String(params.additionalProperty)}", expected one of: ${allowed}`,
      );
    }
    case 'enum':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected one of: ${(params.allowedValues as unknown[]).map(show).join(', ')}`,
      );
    case 'type':
      return source.at(
        error.instancePath,
        `found ${kindOf(found)} ${show(found)}, expected ${String(params.type)}`,
      );
    case 'pattern':
    case 'minProperties':
    case 'maxProperties':
      return source.at(error.instancePath, `found ${show(found)}, expected ${describe(error)}`);
    case 'minLength':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected at least ${String(params.limit)} characters`,
      );
    case 'maxLength':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected at most ${String(params.limit)} characters`,
      );
    case 'minItems':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected at least ${String(params.limit)} items`,
      );
    case 'minimum':
    case 'maximum':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected a number ${String(params.comparison)} ${String(params.limit)}`,
      );
    case 'uniqueItems':
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected no repeated items (items ${String(params.j)} and ${String(params.i)} are equal)`,
      );
    default:
      return source.at(
        error.instancePath,
        `found ${show(found)}, expected a valid value (${error.message ?? error.keyword})`,
      );
  }
}

/** Patterns carry a readable "x-expected" annotation; ajv is told to accept that keyword. */
function describe(error: ErrorObject): string {
  const schema = error.parentSchema as { 'x-expected'?: string } | undefined;
  return schema?.['x-expected'] ?? 'a valid value';
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const segment of parsePointer(pointer)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function show(value: unknown): string {
  const text = quoteForMessage(value);
  if (text === undefined) return 'nothing';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
