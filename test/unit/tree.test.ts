/**
 * The tree writer refuses any path outside its output directory even when it is handed one directly (issue 14):
 * validation restricts names, and this is the second wall behind it.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyChanges,
  PathOutsideError,
  pathInside,
  readTree,
  type TreeChange,
  treeDir,
} from '../../src/generated/tree.js';

let base: string;
let out: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'snowstage-tree-'));
  out = join(base, 'generated', 'pipe');
  outside = join(base, 'outside');
  await mkdir(out, { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'x'), 'keep\n');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const added = (path: string): TreeChange => ({ path, kind: 'added', before: '', after: 'written\n' });
const removed = (path: string): TreeChange => ({ path, kind: 'removed', before: 'keep\n', after: '' });

describe('applyChanges', () => {
  it.each([
    ['../../outside/x'],
    ['a/../../../outside/x'],
    ['./x'],
    ['a//x'],
    [''],
    ['a\\..\\..\\x'],
    ['x\0'],
  ])('refuses %j and writes nothing, not even the valid changes before it', async (path) => {
    const changes = [added('1_valid.sql'), added(path), removed(path)];
    await expect(applyChanges(out, changes)).rejects.toThrow(PathOutsideError);
    expect((await readTree(out)).size).toBe(0);
    expect(await readFile(join(outside, 'x'), 'utf8')).toBe('keep\n');
  });

  it('refuses absolute paths', async () => {
    for (const change of [added(join(outside, 'x')), removed(join(outside, 'x')), added('/x')]) {
      await expect(applyChanges(out, [change])).rejects.toThrow(PathOutsideError);
    }
    expect(await readFile(join(outside, 'x'), 'utf8')).toBe('keep\n');
  });

  it('refuses to write or delete through a symbolic link inside the tree', async () => {
    await symlink(outside, join(out, 'link'));
    await expect(applyChanges(out, [added('link/x')])).rejects.toThrow(/symbolic link/);
    await expect(applyChanges(out, [removed('link/x')])).rejects.toThrow(/symbolic link/);
    expect(await readFile(join(outside, 'x'), 'utf8')).toBe('keep\n');
  });

  it('refuses a symbolic link deep inside the tree, and a link where a new file goes', async () => {
    await mkdir(join(out, '2_tables/books'), { recursive: true });
    await symlink(outside, join(out, '2_tables/books/deeper'));
    await symlink(join(outside, 'x'), join(out, '2_tables/books/1_landing_table.sql'));
    await expect(applyChanges(out, [added('2_tables/books/deeper/x')])).rejects.toThrow(/symbolic link/);
    await expect(applyChanges(out, [added('2_tables/books/1_landing_table.sql')])).rejects.toThrow(
      /symbolic link/,
    );
    expect(await readFile(join(outside, 'x'), 'utf8')).toBe('keep\n');
  });

  it('never overwrites a file that appeared where a new one goes (written exclusively)', async () => {
    await writeFile(join(out, 'appeared.sql'), 'someone else\n');
    await expect(applyChanges(out, [added('appeared.sql')])).rejects.toThrow(/EEXIST/);
    expect(await readFile(join(out, 'appeared.sql'), 'utf8')).toBe('someone else\n');
  });

  it('replaces a changed file whole and leaves no temporary file', async () => {
    await writeFile(join(out, 'changed.sql'), 'before\n');
    await applyChanges(out, [{ path: 'changed.sql', kind: 'changed', before: 'before\n', after: 'after\n' }]);
    expect(await readTree(out)).toEqual(new Map([['changed.sql', 'after\n']]));
  });

  it('writes plain relative paths', async () => {
    await applyChanges(out, [added('2_tables/books/1_landing_table.sql')]);
    expect(await readTree(out)).toEqual(new Map([['2_tables/books/1_landing_table.sql', 'written\n']]));
  });
});

describe('treeDir and pathInside', () => {
  it('refuse a pipeline folder that is not one plain folder inside the output directory', async () => {
    const generated = join(base, 'generated');
    for (const name of ['../outside', 'x/../../outside', '/tmp', '.', '..', 'a/b']) {
      await expect(treeDir(generated, name), name).rejects.toThrow(PathOutsideError);
    }
    await symlink(outside, join(generated, 'linked'));
    await expect(treeDir(generated, 'linked')).rejects.toThrow(/symbolic link/);
    expect(await treeDir(generated, 'pipe')).toBe(out);
  });

  it('gives the joined path for plain segments only', () => {
    expect(pathInside(out, 'a/b.sql')).toBe(join(out, 'a', 'b.sql'));
    expect(() => pathInside(out, '../pipe/a')).toThrow(PathOutsideError);
  });
});

describe('applyChanges removing files', () => {
  it('removes the folders a removal emptied, up to the tree itself, and keeps every other folder', async () => {
    await applyChanges(
      out,
      ['2_tables/a/1.sql', '2_tables/a/2.sql', '2_tables/b/1.sql', 'top.sql'].map(added),
    );
    await mkdir(join(out, 'kept-empty'));
    await applyChanges(out, [removed('2_tables/a/1.sql'), removed('2_tables/a/2.sql')]);
    expect([...(await readTree(out)).keys()]).toEqual(['2_tables/b/1.sql', 'top.sql']);
    await expect(readdir(join(out, '2_tables'))).resolves.toEqual(['b']);
    await expect(readdir(out)).resolves.toEqual(expect.arrayContaining(['kept-empty']));
    await rm(join(out, 'kept-empty'), { recursive: true });
    await applyChanges(out, [removed('2_tables/b/1.sql'), removed('top.sql')]);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
    await expect(readdir(base)).resolves.toEqual(expect.arrayContaining(['generated', 'outside']));
  });
});
