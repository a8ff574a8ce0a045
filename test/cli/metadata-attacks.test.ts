// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the attacks are literal ${…} references in metadata
/**
 * Attacks through metadata (issue 14), performed against the CLI: a pipeline name or S3 prefix that leaves its
 * folder, IAM wildcards in bucket and prefix. Each test runs the real command on a copy of the example metadata
 * and checks what reached the disk and the output, not only the exit code.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { runCli } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VICTIM_TEXT = 'victim file: must never be printed, deleted or overwritten\n';
let base: string;
let work: string;
let victim: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowstage-attack-'));
  // cwd is base/work; generated/x/../../../victim resolves to base/victim, next to it
  work = join(base, 'work');
  victim = join(base, 'victim');
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
  await mkdir(join(victim, 'sub'), { recursive: true });
  await writeFile(join(victim, 'keep.txt'), VICTIM_TEXT);
  await writeFile(join(victim, 'sub/keep.sql'), VICTIM_TEXT);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function editPipeline(from: RegExp, to: string): Promise<void> {
  const file = join(work, 'metadata/pipeline.yaml');
  const text = await readFile(file, 'utf8');
  expect(text).toMatch(from);
  await writeFile(file, text.replace(from, to));
}

async function expectVictimUntouched(): Promise<void> {
  const tree = await readTree(victim);
  expect([...tree.keys()]).toEqual(['keep.txt', 'sub/keep.sql']);
  for (const content of tree.values()) expect(content).toBe(VICTIM_TEXT);
}

/** validate, generate --check and generate all refuse; nothing outside work/ is read into output or changed. */
async function expectRefusedEverywhere(env: Record<string, string>, diagnostic: RegExp): Promise<void> {
  const validate = await runCli(['validate'], { cwd: work, env });
  expect(validate.code).toBe(1);
  expect(validate.stderr).toMatch(diagnostic);
  const check = await runCli(['generate', '--check'], { cwd: work, env });
  expect(check.code).toBe(1);
  expect(check.stdout + check.stderr).not.toContain('victim file');
  expect(check.stdout).toBe('');
  const generate = await runCli(['generate'], { cwd: work, env });
  expect(generate.code).toBe(1);
  expect(generate.stdout).toBe('');
  await expectVictimUntouched();
  expect((await readTree(join(work, 'generated'))).size).toBe(0);
}

describe('a pipeline name that leaves generated/', () => {
  it('a nested default (x${A:-${B}}/../../../victim) is refused; nothing of ../victim is printed or changed', async () => {
    await editPipeline(/^name: bookstore$/m, 'name: x${A:-${B}}/../../../victim');
    await expectRefusedEverywhere(
      {},
      /^metadata\/pipeline\.yaml:5:7 \/name: found a reference inside the default of \$\{A\}, expected a plain default/m,
    );
  });

  it('a default that completes a reference with the text after it (x${A:-$}{B}/…) is checked as resolved', async () => {
    await editPipeline(/^name: bookstore$/m, 'name: x${A:-$}{B}/../../../victim');
    await expectRefusedEverywhere(
      {},
      /^metadata\/pipeline\.yaml:5:7 \/name: found "x\$\{B\}\/\.\.\/\.\.\/\.\.\/victim", expected a lower-case name/m,
    );
  });

  it('an environment value that contains ${…} and ../ is checked as resolved, never read as a reference', async () => {
    await editPipeline(/^name: bookstore$/m, 'name: ${PIPELINE_NAME}');
    await expectRefusedEverywhere(
      { PIPELINE_NAME: 'x${B}/../../../victim' },
      /^metadata\/pipeline\.yaml:5:7 \/name: found "x\$\{B\}\/\.\.\/\.\.\/\.\.\/victim", expected a lower-case name/m,
    );
  });
});

describe('S3 prefix and bucket', () => {
  // Values given through the environment that still contain ${…} once resolved passed the old patterns whatever
  // else they held; the written ones passed the old prefix pattern as they are.
  it.each([
    ['../other-bucket/pwn/', 'another bucket through ..'],
    ['./bookstore/', 'a . folder'],
    ['bookstore/../', 'a .. folder inside'],
    ['*', 'an IAM wildcard'],
    ['${PREFIX}', 'an IAM single-character wildcard from the environment', '${X}/book?store/'],
    ['${PREFIX}', 'an IAM policy variable from the environment', '${X}/${aws:username}/'],
  ])('prefix %j (%s) is refused and no policy is written', async (prefix, _what, fromEnv?: string) => {
    await editPipeline(/^ {2}prefix: bookstore\/$/m, `  prefix: '${prefix}'`);
    const env = { S3_BUCKET: 'acme-lake', ...(fromEnv === undefined ? {} : { PREFIX: fromEnv }) };
    const validate = await runCli(['validate'], { cwd: work, env });
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(
      /^metadata\/pipeline\.yaml:\d+:\d+ \/s3\/prefix: found .*, expected an S3 key prefix/m,
    );
    const generate = await runCli(['generate'], { cwd: work, env });
    expect(generate.code).toBe(1);
    expect((await readTree(join(work, 'generated'))).size).toBe(0);
  });

  it.each([['${X}*'], ['${X}acme-?'], ['${X}acme-${aws:username}'], ['acme..lake']])(
    'bucket %j from the environment is refused',
    async (bucket) => {
      const run = await runCli(['generate'], { cwd: work, env: { S3_BUCKET: bucket } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^metadata\/pipeline\.yaml:\d+:\d+ \/s3\/bucket: found .*, expected an S3 bucket name/m,
      );
      expect((await readTree(join(work, 'generated'))).size).toBe(0);
    },
  );

  it('plain prefixes still work, and every policy resource stays inside them', async () => {
    await editPipeline(/^ {2}prefix: bookstore\/$/m, '  prefix: team-a/book.store_v2/');
    await editPipeline(/\/bookstore\/$/m, '/team-a/');
    const run = await runCli(['generate'], { cwd: work, env: { S3_BUCKET: 'acme-lake' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const policy = await readFile(join(work, 'generated/bookstore/aws/extractor-policy.json'), 'utf8');
    for (const resource of JSON.stringify(JSON.parse(policy)).match(/arn:aws:s3:::[^"]*/g) ?? []) {
      expect(resource).toMatch(/^arn:aws:s3:::acme-lake(\/team-a\/book\.store_v2\/(data|_snowstage)\/.*)?$/);
    }
  });
});

describe('Snowflake names', () => {
  const books = () => join(work, 'metadata/tables/books.yaml');
  async function edit(file: string, from: RegExp, to: string): Promise<void> {
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(from);
    await writeFile(file, text.replace(from, to));
  }

  // YAML double-quoted escapes put the characters in: \a BEL, \x85 NEL, \u2028 LINE SEPARATOR, \u202E RLO.
  it.each([
    [
      'a control character',
      'pipeline.yaml',
      /^ {2}database: analytics$/m,
      '  database: "analytics\\a"',
      '/snowflake/database',
      'visible characters',
    ],
    [
      'NEL (a C1 control, a line break to some editors)',
      'tables/books.yaml',
      /name: author,/,
      'name: "auth\\x85or",',
      '/columns/3/name',
      'visible characters',
    ],
    [
      'U+2028 in an exact-case name',
      'tables/books.yaml',
      /^source_table: books$/m,
      'source_table: books\ntarget_table: "\\"Books\\u2028-- reviewed\\""',
      '/target_table',
      'visible characters',
    ],
    [
      'a right-to-left override',
      'pipeline.yaml',
      /^ {2}role: snowstage_loader$/m,
      '  role: "loader\\u202Egpj"',
      '/snowflake/role',
      'visible characters',
    ],
    [
      'a zero-width space',
      'pipeline.yaml',
      /^ {2}warehouse: etl_wh$/m,
      '  warehouse: "etl\\u200Bwh"',
      '/snowflake/warehouse',
      'visible characters',
    ],
    [
      '256 characters',
      'pipeline.yaml',
      /^ {2}warehouse: etl_wh$/m,
      `  warehouse: ${'w'.repeat(256)}`,
      '/snowflake/warehouse',
      'found a name of 256 characters, expected at most 255',
    ],
    [
      'Latin with a Cyrillic look-alike',
      'pipeline.yaml',
      /^ {2}raw_schema: bookstore_raw$/m,
      '  raw_schema: bookstore_r\u0430w',
      '/snowflake/raw_schema',
      'mixing Latin and Cyrillic letters',
    ],
    [
      'a Greek look-alike in a column',
      'tables/books.yaml',
      /name: title,/,
      'name: "tit\u03bfle",',
      '/columns/2/name',
      'mixing Latin and Greek letters',
    ],
  ])(
    '%s is refused by validate, and generate writes nothing',
    async (_what, file, from, to, pointer, message) => {
      await edit(join(work, 'metadata', file), from, to);
      const validate = await runCli(['validate'], { cwd: work });
      expect(validate.code).toBe(1);
      const line = validate.stderr.split('\n').find((l) => l.includes(` ${pointer}: `));
      expect(line).toMatch(new RegExp(`^metadata/${file.replace('.', '\\.')}:\\d+:\\d+ ${pointer}: `));
      expect(line).toContain(message);
      const generate = await runCli(['generate'], { cwd: work });
      expect(generate.code).toBe(1);
      expect(generate.stderr).not.toContain('unexpected error');
      expect((await readTree(join(work, 'generated'))).size).toBe(0);
      void books;
    },
  );

  it('names in one script, Japanese mixes and 255 characters are accepted', async () => {
    await edit(
      join(work, 'metadata/pipeline.yaml'),
      /^ {2}warehouse: etl_wh$/m,
      `  warehouse: ${'w'.repeat(255)}`,
    );
    await edit(books(), /^source_table: books$/m, 'source_table: books\ntarget_table: \'"書籍カタログ_v2"\'');
    await edit(
      join(work, 'metadata/pipeline.yaml'),
      /^ {2}raw_schema: bookstore_raw$/m,
      '  raw_schema: \'"Сырые данные"\'',
    );
    const run = await runCli(['generate'], { cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

describe('input sizes', () => {
  it('a 50 MB table file is refused before it is parsed, with its size, in seconds, not minutes', async () => {
    const file = join(work, 'metadata/tables/huge.yaml');
    const column = '  - { name: c, type: int }\n';
    await writeFile(
      file,
      `name: huge\ncolumns:\n${column.repeat(Math.ceil((50 * 1024 * 1024) / column.length))}`,
    );
    const started = Date.now();
    const run = await runCli(['validate'], { cwd: work });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^metadata\/tables\/huge\.yaml:1:1 \/: found a file of 52428\d\d\d bytes, expected at most 1048576 \(metadata files are small; it was not parsed\)$/m,
    );
  });

  it('a pipeline.yaml that is not a regular file is a clear problem, not an unexpected error', async () => {
    await rm(join(work, 'metadata/pipeline.yaml'));
    await mkdir(join(work, 'metadata/pipeline.yaml'));
    const run = await runCli(['validate'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^metadata\/pipeline\.yaml:1:1 \/: found something that is not a regular file/m,
    );
  });
});
