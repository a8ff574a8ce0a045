/**
 * The fast way to read a metadata file: js-yaml (YAML 1.2 core schema), which builds plain values without the
 * position-carrying document the `yaml` package builds. For a 500-table pipeline `yaml` took 0.8–1.2 CPU-s of a
 * generate, js-yaml about a tenth of that. Positions are only needed to print a diagnostic, so yaml-source.ts
 * parses a file with `yaml` only when something about it has to be located, and whenever this returns undefined.
 *
 * It returns undefined (the caller falls back to `yaml`, which then also reports any problem) for:
 * - anchors, aliases, tags, directives and complex keys (`&`, `*`, `!`, `%`, `?` where a node may start: at the
 *   start of a line or after `-`, `:`, `,`, `[`, `{`, `?` and spaces): `yaml` expands aliases under an alias-count
 *   limit (a "billion laughs" file is refused), js-yaml shares them without one, so a file that might use them is
 *   read by `yaml` alone (a `*` inside a quoted cron expression does not count);
 * - tabs, CR, BOM, control and line-separator characters, which the two packages treat differently;
 * - a flow collection (`{…}`, `[…]`) or a quoted scalar that does not close on its own line, and a `#` right after a
 *   closing bracket or quote: js-yaml accepts continuation lines and comments that `yaml` refuses;
 * - a line indented by an odd number of spaces: js-yaml accepts some misaligned sequence items `yaml` refuses (and
 *   metadata is written with two-space indentation);
 * - numbers written with a sign before `0` or `.`, or in binary (`0b…`), which the two read differently;
 * - anything js-yaml refuses (syntax errors, duplicate keys, several documents);
 * - a file whose value is not a mapping (every metadata file is one), or has a key that is not a plain word (a
 *   collection used as a key is stringified differently by the two).
 * test/unit/yaml-fast.test.ts compares the two packages on every YAML file of the repository and on thousands of
 * mutated copies.
 */
import { CORE_SCHEMA, load } from 'js-yaml';

/** Characters that may start YAML features this path leaves to `yaml` (see above); false positives cost speed only. */
const NODE_PROPERTY = /(?:^|[-:,[{?])[ ]*[&*!%?]/m;
const UNSPACED_COMMENT = /[\]}"']#/;
/**
 * A scalar starting with a sign then `0` or `.`, or with `0b`: numbers the two read differently (js-yaml takes
 * `-0` as 0, signed hexadecimal, octal and binary and `0b1` as numbers, `-.5` as text; `yaml` the reverse).
 */
const SIGNED_OR_BINARY = /(?:^|[\s:[{,])(?:[-+][.0]|0b)/m;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NULL_KEYS = new Set(['null', 'Null', 'NULL']);

export function parseYamlFast(text: string): Record<string, unknown> | undefined {
  if (NODE_PROPERTY.test(text) || hasSpecialCharacter(text) || UNSPACED_COMMENT.test(text)) return undefined;
  if (SIGNED_OR_BINARY.test(text)) return undefined;
  if (text.split('\n').some((line) => opensFlow(line) || unclosedQuote(line) || oddIndent(line)))
    return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !plainKeys(value))
    return undefined;
  return value as Record<string, unknown>;
}

/** More `{`/`[` than `}`/`]` on a line (quotes not considered: a false positive costs speed only). */
function opensFlow(line: string): boolean {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x7b || code === 0x5b) depth++;
    else if (code === 0x7d || code === 0x5d) depth--;
  }
  return depth !== 0;
}

function plainKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(plainKeys);
  if (value === null || typeof value !== 'object') return true;
  // a null key (`null:`, `~:` or none at all) is "null" in js-yaml and "" in `yaml`
  return Object.entries(value).every(
    ([key, v]) => PLAIN_KEY.test(key) && !NULL_KEYS.has(key) && plainKeys(v),
  );
}

/**
 * A quoted scalar that may go on past this line: an odd count of quotes (oddQuotes) on a line where a quote can open
 * a scalar. In block context a scalar starts after the indentation, after `- ` and after a key's `: `; anywhere else
 * (a plain value, a comment: "the bookstore's database") a quote is an ordinary character, and counting it sent
 * every file with an apostrophe in a comment to `yaml`. Lines with a flow collection or a document marker are
 * counted whole, as before.
 */
export function unclosedQuote(line: string): boolean {
  let rest = line.trimStart();
  if (/[[{]/.test(rest) || rest.startsWith('---') || rest.startsWith('...')) return oddQuotes(line);
  while (rest === '-' || rest.startsWith('- ')) rest = rest.slice(1).trimStart();
  if (rest.startsWith('#')) return false;
  const colon = rest.search(/:(?: |$)/);
  const opening = colon === -1 ? rest : rest.slice(colon + 1).trimStart();
  return /^["']/.test(opening) || /^["']/.test(rest) ? oddQuotes(line) : false;
}

/**
 * An odd number of `"` (not counting one escaped by a backslash) or of `'` on a line: a quoted scalar may go on (or
 * apostrophes: speed). Counted in one scan: a replace and two splits per line were a third of this file's time.
 */
export function oddQuotes(line: string): boolean {
  let doubles = 0;
  let singles = 0;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x27) singles++;
    if (escaped) escaped = false;
    else if (code === 0x5c) escaped = true;
    else if (code === 0x22) doubles++;
  }
  return doubles % 2 === 1 || singles % 2 === 1;
}

function oddIndent(line: string): boolean {
  return (line.length - line.trimStart().length) % 2 === 1;
}

/** Tabs, CR, C0/C1 control characters (but LF), DEL, BOM and the Unicode line and paragraph separators. */
function hasSpecialCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f)) return true;
    if (code === 0x2028 || code === 0x2029 || code === 0xfeff) return true;
  }
  return false;
}
