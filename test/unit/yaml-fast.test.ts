/**
 * The fast metadata reader (src/metadata/yaml-fast.ts, js-yaml) against the `yaml` package: whenever it returns a
 * value, yaml must parse the same text without an error or a warning and produce an equal value; the repository's
 * metadata must be read by it (or the fast path would never run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { oddQuotes, parseYamlFast } from '../../src/metadata/yaml-fast.js';
import { parseYamlSource } from '../../src/metadata/yaml-source.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** undefined when yaml reports an error or a warning */
function byYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  return doc.toJS({ maxAliasCount: 100 });
}

function expectAgreement(text: string): boolean {
  const fast = parseYamlFast(text);
  if (fast === undefined) return false;
  const full = byYaml(text);
  if (full === undefined) throw new Error(`yaml refuses what the fast reader accepted:\n${text}`);
  expect(fast, text).toStrictEqual(full);
  return true;
}

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = [
  ' ',
  '  ',
  '-',
  '- ',
  ':',
  ': ',
  '#',
  ' #',
  '"',
  "'",
  ',',
  '[',
  ']',
  '{',
  '}',
  '>',
  '|',
  '>-',
  '\n',
];
const WORDS = [
  'null',
  '~',
  'true',
  'False',
  '12',
  '007',
  '1.5',
  '-3',
  '.inf',
  'yes',
  'x: y',
  '"a,b"',
  "'it''s'",
  "bob's",
  '-0',
  '-.5',
  '+0x1f',
  '0b1',
  "'multi\n  line'",
  '"two\n  lines"',
];

function mutate(text: string, next: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  let out = text;
  const edits = 1 + Math.floor(next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const lines = out.split('\n');
    const line = Math.floor(next() * lines.length);
    switch (Math.floor(next() * 6)) {
      case 0:
        out = out.slice(0, at) + pick(TRICKY) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 3));
        break;
      case 2:
        out = out.slice(0, at) + pick(WORDS) + out.slice(at);
        break;
      case 3:
        lines.splice(line, 0, lines[line] ?? '');
        out = lines.join('\n');
        break;
      case 4:
        lines[line] = ` ${lines[line] ?? ''}`;
        out = lines.join('\n');
        break;
      default:
        lines[line] = (lines[line] ?? '').replace(/^ /, '');
        out = lines.join('\n');
    }
  }
  return out;
}

describe('fast YAML reader', () => {
  const files = [...yamlFiles(join(ROOT, 'metadata')), ...yamlFiles(join(ROOT, 'test'))];

  it('reads the example metadata itself (the fast path is taken, apostrophes in comments and plain values too)', () => {
    for (const file of yamlFiles(join(ROOT, 'metadata'))) {
      expect(expectAgreement(readFileSync(file, 'utf8')), file).toBe(true);
    }
  });

  it('agrees with yaml on every YAML file of the repository it accepts', () => {
    let accepted = 0;
    for (const file of files) if (expectAgreement(readFileSync(file, 'utf8'))) accepted++;
    expect(accepted).toBeGreaterThan(files.length / 2);
  });

  it('agrees with yaml on 20,000 mutated copies of the metadata files', () => {
    const next = random(13);
    const sources = files.map((f) => readFileSync(f, 'utf8'));
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      if (expectAgreement(mutate(sources[i % sources.length] as string, next))) accepted++;
    }
    // many mutations leave the text in the subset: the comparison is not vacuous
    expect(accepted).toBeGreaterThan(2_500);
  });

  it.each([
    ['a: 1\nb:\n- x\n- y\nc: z\n'],
    ['a:\n  - name: x\n    type: int\n  - { name: y, type: "decimal(3,2)" }\n'],
    ['d: >-\n  one\n  two\n\ne: |\n  l1\n  l2\nf: >\n  x\n'],
    ["q: 'it''s' # comment\nr: \"a: b, #c\"\ns: a#b\nt: s3://b/p/\n"],
    ['n: ~\nm: NULL\nb: TRUE\nc: [a, b, c]\ne: []\nf: {}\n'],
    ['a: -1\n'],
    ['a: 1.5\n'],
    ['a: &x 1\nb: *x\n'],
    ['a: 1\na: 2\n'],
    ['a: b\n  c\n'],
    ['d: >-\n  one\n\n  two\n'],
    ['d: >\n  one\n   more\n'],
    ['d: |\n  no newline at the end'],
    ['a: {b: 1, }\n'],
    ['a: [x, y\n'],
    ['a: "\\t"\n'],
    ['a:\tb\n'],
    ['- a\n- b\n'],
    ['__proto__: x\n'],
    ['a: b: c\n'],
    ["a: it's\nb: x # bob's\n"],
    ["a: 'one\n  two'\n"],
    ["a:\n  'one\n  two'\n"],
    ["- 'one\n  two'\n"],
    ["- - 'one\n    two'\n"],
    ["- a: 'one\n    two'\n"],
    ["a: x\n  'one\n  two'\n"],
    ["'k\n  ey': v\n"],
    ["a: plain\n  b: 'c\n"],
    ["# it's\na: 'x\n  # y'\n"],
    ["--- 'one\n  two'\n"],
    ["a: |\n  it's\n  'x\nb: y\n"],
    ['a: -0\n'],
    ['a: [-.5, +.0, 0b1, -0x1f, +0o7]\n'],
  ])('%j: either yaml agrees or the reader declines', (text) => {
    expectAgreement(text);
  });

  it('leaves anchors, aliases and tags to yaml (its alias-count limit refuses a "billion laughs" file)', () => {
    expect(parseYamlFast('a: &x [1, 2]\nb: *x\n')).toBeUndefined();
    expect(parseYamlFast('a: !!str 1\n')).toBeUndefined();
    expect(parseYamlFast('schedule: { cron: "*/15 * * * *" }\n')).toEqual({
      schedule: { cron: '*/15 * * * *' },
    });
  });

  it('locates a pointer in a file read by the fast path, by parsing it with positions on demand', () => {
    const text = 'name: t\ncolumns:\n  - { name: a, type: int }\n  - { name: b, type: text }\n';
    const { source, problems } = parseYamlSource('t.yaml', text);
    expect(problems).toEqual([]);
    expect(source.value).toStrictEqual(byYaml(text));
    expect(source.locate('/columns/1/type')).toEqual({ line: 4, column: 22 });
  });
});

describe('oddQuotes', () => {
  /** The plain statement: drop backslash escapes, then count the quotes (apostrophes counted as written). */
  const reference = (line: string) =>
    (line.replace(/\\./g, '').split('"').length - 1) % 2 === 1 || (line.split("'").length - 1) % 2 === 1;

  it('matches the replace-and-split statement on every line of up to 7 of " \' \\ a', () => {
    const alphabet = ['"', "'", '\\', 'a'];
    let lines = [''];
    for (let length = 1; length <= 7; length++) {
      lines = lines.flatMap((line) => alphabet.map((ch) => line + ch));
      for (const line of lines) expect(oddQuotes(line), JSON.stringify(line)).toBe(reference(line));
    }
  });
});
