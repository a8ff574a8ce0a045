/** src/sql/python-quote.ts against the real interpreters: python3's ast.literal_eval, Jinja2 and sh. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  isDottedPath,
  jinjaInert,
  pythonCommentText,
  pythonName,
  pythonString,
  shellWord,
} from '../../src/sql/python-quote.js';

const run = promisify(execFile);

const HOSTILE = [
  '',
  'plain',
  `it's "quoted"`,
  'back\\slash\\',
  '\\x41 \\u0041 \\N{DASH}',
  'line\nfeed\rreturn\ttab',
  'nul\0byte\x7fdel\x1bescape',
  'U+2028\u2028U+2029\u2029NEL\u0085',
  'é ß 日本 😀 𝔸',
  'lone \ud800 surrogate \udfff',
  '""" triple \'\'\'',
  '{{ 7 * 7 }} {% raw %} {# c #}',
];

/** Python evaluates each literal (in one process) and sends the values back as ASCII JSON. */
async function pythonValues(literals: readonly string[]): Promise<string[]> {
  const source = `import ast, json\nprint(json.dumps([${literals.map((l) => `ast.literal_eval(${JSON.stringify(l)})`).join(', ')}]))`;
  const program = `import ast, json\nexec(compile(${pythonString(source)}, "t", "exec"))`;
  const { stdout } = await run('python3', ['-c', program]);
  return JSON.parse(stdout) as string[];
}

describe('pythonString', () => {
  it('evaluates in Python to exactly the input, for every hostile string', async () => {
    const literals = HOSTILE.map(pythonString);
    expect(await pythonValues(literals)).toEqual(HOSTILE);
  });

  it('writes printable ASCII only, so no character can end the line or the file', () => {
    for (const value of HOSTILE) expect(pythonString(value)).toMatch(/^"[\x20-\x7e]*"$/);
  });

  it('survives inside a compiled module next to code', async () => {
    const value = 'x"); import os; os.system("echo pwned"); ("';
    const { stdout } = await run('python3', ['-c', `print(${pythonString(value)})`]);
    expect(stdout).toBe(`${value}\n`);
  });
});

describe('jinjaInert', () => {
  it('renders with Jinja2 back to the input, whatever Jinja syntax it holds', async () => {
    const values = HOSTILE.filter((v) => !/[\ud800-\udfff]/u.test(v)).concat([
      '{{ config }}',
      '{%- for x in range(3) %}{{ x }}{% endfor -%}',
      '{{{{',
      '{# {{ #}',
      '{% endraw %}',
      'ends with a newline\n',
      'crlf\r\nand cr\r',
    ]);
    const script =
      'import json, sys, jinja2\nenv = jinja2.Environment()\nprint(json.dumps([env.from_string(t).render() for t in json.load(sys.stdin)]))';
    const child = run('python3', ['-c', script]);
    child.child.stdin?.end(JSON.stringify(values.map(jinjaInert)));
    expect(JSON.parse((await child).stdout)).toEqual(values);
  });
});

describe('shellWord', () => {
  it('reaches the program as one unchanged argument', async () => {
    const values = [`it's`, 'a b', '$(id)', '`id`', '; rm -rf /', '--table', '*', '~', "''", 'plain_1.0'];
    const line = ['printf', '%s\\0', ...values].map(shellWord).join(' ');
    const { stdout } = await run('sh', ['-c', line]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(values);
  });
});

describe('pythonName and isDottedPath', () => {
  it('prefixes table names and refuses anything that is not [a-z][a-z0-9_]*', () => {
    expect(pythonName('extract_', 'class')).toBe('extract_class');
    expect(() => pythonName('extract_', 'a-b')).toThrow(/cannot be used/);
    expect(() => pythonName('extract_', 'a; import os')).toThrow(/cannot be used/);
    expect(() => pythonName('', 'class')).toThrow(/cannot be used/);
  });

  it('accepts dotted paths of identifiers that are not keywords', () => {
    expect(isDottedPath('acme.alerts.notify')).toBe(true);
    expect(isDottedPath('notify')).toBe(false);
    expect(isDottedPath('acme.import.notify')).toBe(false);
    expect(isDottedPath('acme.alerts.notify; import os')).toBe(false);
  });

  it('keeps a comment on one line', () => {
    expect(pythonCommentText('a\nb\rc\0d\u2028e')).toBe('a b c d e');
  });
});
