/**
 * Checks of resolved Snowflake names that a JSON Schema cannot express: the length after quote rules (and with
 * the suffix snowstage appends, e.g. _STREAM), and letters mixed from scripts that look alike. Invisible and
 * control characters are refused by the schemas already (definitions/name, table.schema.json).
 */
import { quoteForMessage } from '../metadata/diagnostics.js';
import { MAX_IDENTIFIER_LENGTH } from '../sql/quote.js';

/** Characters, as Snowflake counts them: code points, not UTF-16 units. */
export function nameLength(name: string): number {
  return [...name].length;
}

/** A message when `name` plus `suffix` exceeds Snowflake's identifier limit, else undefined. */
export function lengthProblem(name: string, suffix = ''): string | undefined {
  const length = nameLength(name);
  if (length + nameLength(suffix) <= MAX_IDENTIFIER_LENGTH) return undefined;
  const limit = MAX_IDENTIFIER_LENGTH - nameLength(suffix);
  const why = suffix === '' ? '' : `, since snowstage appends ${suffix} for a derived object`;
  return `found a name of ${length} characters, expected at most ${limit} (Snowflake's identifier limit${why})`;
}

/**
 * Scripts told apart. A letter of a script not listed counts as "another script", so it is still told apart
 * from every listed one.
 */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Coptic',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Han',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Hangul',
] as const;

const SCRIPT_TESTS = SCRIPTS.map((script) => ({ script, test: new RegExp(`^\\p{Script=${script}}$`, 'u') }));

/** Script mixes that are ordinary writing (Unicode TS #39, "Highly Restrictive"): Japanese, Chinese, Korean. */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** Letters, marks and digits of a script; digits, `_`, punctuation and combining marks shared by all do not count. */
const SCRIPT_SPECIFIC = /^[\p{L}\p{M}\p{N}]$/u;
const SHARED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

export function scriptsOf(name: string): string[] {
  // most names are printable ASCII, whose only script-specific characters are Latin letters (a 500-table pipeline
  // checks 30,000 names; one Unicode property test per character was 1% of a generate)
  if (!/[^ -~]/.test(name)) return /[A-Za-z]/.test(name) ? ['Latin'] : [];
  const found = new Set<string>();
  for (const ch of name) {
    if (!SCRIPT_SPECIFIC.test(ch) || SHARED.test(ch)) continue;
    found.add(SCRIPT_TESTS.find((s) => s.test.test(ch))?.script ?? 'another script');
  }
  return [...found];
}

/**
 * A message when a name mixes scripts (`pаyments` with a Cyrillic а reads as `payments` but is another
 * object), else undefined.
 */
export function mixedScriptProblem(name: string): string | undefined {
  const scripts = scriptsOf(name);
  if (scripts.length <= 1 || ALLOWED_MIXES.some((mix) => scripts.every((s) => mix.has(s)))) return undefined;
  return (
    `found ${quoteForMessage(name)} mixing ${scripts.join(' and ')} letters, expected letters of one script ` +
    '(a look-alike letter from another script makes a different object whose name reads the same)'
  );
}

/** The first problem of a Snowflake name (length as resolved, letters as written), or undefined. */
export function snowflakeNameProblem(written: string, resolved: string, suffix = ''): string | undefined {
  return lengthProblem(resolved, suffix) ?? mixedScriptProblem(written);
}
