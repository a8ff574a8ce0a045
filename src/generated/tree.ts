/**
 * The generated/<pipeline>/ directory: compare it with rendered files, write the difference, delete files no
 * longer produced. A file that existed is replaced through a temporary file and a rename (see writeNewFile for new ones).
 * Every path stays inside the directory: metadata decides file names, and metadata is not trusted to be benign.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { lstat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { diffPackage } from '../lazy-packages.js';
import type { RenderedFile } from '../render/render.js';
import { MANIFEST_FILE } from './manifest.js';

export interface TreeChange {
  readonly path: string;
  readonly kind: 'added' | 'changed' | 'removed';
  readonly before: string;
  readonly after: string;
}

/**
 * Every file of the tree by relative path. Read synchronously: the tree is read before anything else runs, and for
 * 3,000 small files the promise API's thread-pool round trips cost about eight times the CPU of the reads (0.55
 * against 0.07 CPU-s).
 */
export async function readTree(dir: string): Promise<Map<string, string>> {
  return new Map(listFiles(dir).map((path) => [path, readFileSync(join(dir, path), 'utf8')]));
}

export function diffTree(
  existing: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
): TreeChange[] {
  const changes: TreeChange[] = [];
  const wanted = new Map(rendered.map((f) => [f.path, f.content]));
  for (const [path, after] of wanted) {
    const before = existing.get(path);
    if (before === undefined) changes.push({ path, kind: 'added', before: '', after });
    else if (before !== after) changes.push({ path, kind: 'changed', before, after });
  }
  for (const [path, before] of existing) {
    if (!wanted.has(path)) changes.push({ path, kind: 'removed', before, after: '' });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A path that would leave the output directory; refused before anything is read or written. */
export class PathOutsideError extends Error {}

/**
 * `root` joined with a relative path of plain segments (no `..`, `.`, empty or absolute parts, no backslash or
 * NUL), checked again after resolving. Throws PathOutsideError otherwise.
 */
export function pathInside(root: string, path: string): string {
  const segments = path.split('/');
  const plain = segments.every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0]/.test(s));
  const base = resolve(root);
  const target = resolve(base, ...segments);
  if (!plain || isAbsolute(path) || !target.startsWith(`${base}${sep}`)) {
    throw new PathOutsideError(
      `refusing ${JSON.stringify(path)}: it is not a plain relative path inside ${base}`,
    );
  }
  return target;
}

/** The directory of one pipeline's tree: `<out>/<name>`, a plain folder inside `out` and not a symbolic link. */
export async function treeDir(out: string, name: string): Promise<string> {
  const dir = pathInside(out, name);
  if (name.includes('/')) throw new PathOutsideError(`refusing ${JSON.stringify(name)}: not one folder name`);
  if ((await lstat(dir).catch(() => undefined))?.isSymbolicLink()) {
    throw new PathOutsideError(`refusing ${dir}: it is a symbolic link`);
  }
  return dir;
}

/**
 * Refuses changes whose path leaves `dir`, or that would write through a symbolic link in it. A directory shared
 * by many paths is looked at once (a 500-table tree: 500 table directories, 12,000 path segments), and nothing
 * under a directory that does not exist is looked at (it cannot hold a link; into an empty directory that is
 * 3,500 lstat calls fewer). Returns each change's absolute target.
 */
function checkPaths(dir: string, changes: readonly TreeChange[]): Map<TreeChange, string> {
  const targets = new Map<TreeChange, string>();
  const present = new Map<string, boolean>();
  for (const change of changes) {
    targets.set(change, pathInside(dir, change.path));
    // plain segments (pathInside refused anything else), so each join below is a concatenation
    const segments = change.path.split('/');
    let part = '';
    let parentPresent = true;
    for (const [i, segment] of segments.entries()) {
      part = i === 0 ? join(dir, segment) : `${part}${sep}${segment}`;
      let here = present.get(part);
      if (here === undefined) {
        here = parentPresent && isPresent(part, change.path);
        present.set(part, here);
      }
      parentPresent = here;
    }
  }
  return targets;
}

/**
 * Whether something is at `path`; throws when it is a symbolic link. Anything that cannot be looked at (under a
 * file, say) counts as present, so what lies under it is still looked at: writing there fails on its own.
 */
function isPresent(path: string, changePath: string): boolean {
  let stats: import('node:fs').Stats | undefined;
  try {
    stats = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return true;
  }
  if (stats?.isSymbolicLink()) {
    throw new PathOutsideError(`refusing ${JSON.stringify(changePath)}: ${path} is a symbolic link`);
  }
  return stats !== undefined;
}

/** Checks every path first (nothing is written when one is refused), then writes, renames and deletes. */
export async function applyChanges(dir: string, changes: readonly TreeChange[]): Promise<void> {
  const targets = checkPaths(dir, changes);
  const targetOf = (change: TreeChange) => targets.get(change) as string;
  // each directory made once (a 500-table tree has 500 table directories and 3,000 files)
  const dirs = new Set(changes.filter((c) => c.kind !== 'removed').map((c) => dirname(targetOf(c))));
  for (const parent of [...dirs].sort()) mkdirSync(parent, { recursive: true });
  // synchronously, like readTree (small files, nothing else runs meanwhile)
  for (const change of changes) {
    const target = targetOf(change);
    if (change.kind === 'removed') rmSync(target, { force: true });
    else if (change.kind === 'added' && change.path !== MANIFEST_FILE) writeNewFile(target, change.after);
    else replaceFile(target, change.after);
  }
  removeEmptiedDirs(
    dir,
    changes.filter((c) => c.kind === 'removed').map((c) => dirname(targetOf(c))),
  );
}

/**
 * An existing file is replaced through a temporary file and a rename, so it holds either its old or its new text,
 * never a mix. So is the manifest, which the next generate must be able to parse.
 */
function replaceFile(target: string, content: string): void {
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, content, 'utf8');
  renameSync(temporary, target);
}

/**
 * A file that did not exist is created exclusively (`wx`: never through a symbolic link or over a file that
 * appeared since the tree was read) and written in one call; a failed write removes it. There is no old text to
 * keep, and a file left short by a killed process differs from what generate renders, so `generate --check` (and
 * extract's freshness check) flag it and the next generate replaces it. Half the system calls of a temporary file
 * and a rename, which is most of generate's time into an empty directory (3,013 files for 500 tables).
 */
function writeNewFile(target: string, content: string): void {
  try {
    writeFileSync(target, content, { encoding: 'utf8', flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(target, { force: true });
    throw error;
  }
}

/** A unified diff per change, with paths shown under the generated directory as given on the command line. */
export function unifiedDiff(displayDir: string, changes: readonly TreeChange[]): string {
  const { createTwoFilesPatch } = diffPackage();
  return changes
    .map((c) => {
      const path = `${displayDir}/${c.path}`;
      return createTwoFilesPatch(
        c.kind === 'added' ? '/dev/null' : `a/${path}`,
        c.kind === 'removed' ? '/dev/null' : `b/${path}`,
        c.before,
        c.after,
        undefined,
        undefined,
        { context: 3 },
      )
        .split('\n')
        .slice(1)
        .join('\n');
    })
    .join('');
}

/** Relative paths with forward slashes, built while walking (path.relative resolves both paths on every call). */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile()) out.push(`${prefix}${entry.name}`);
    }
  };
  walk(root, '');
  return out.sort();
}

/**
 * The folders a removal left empty (a retired table's folder, then `2_tables/` and the tree itself when nothing is
 * left), from each removed file's folder up to `dir`; rmdir removes a folder only when it is empty. Only where a file
 * was removed: walking the whole tree after every generate was a 500-folder scan for nothing.
 */
function removeEmptiedDirs(dir: string, folders: readonly string[]): void {
  const root = resolve(dir);
  for (const folder of [...new Set(folders)].sort((a, b) => b.length - a.length)) {
    for (let at = resolve(folder); at === root || at.startsWith(`${root}${sep}`); at = dirname(at)) {
      try {
        rmdirSync(at);
      } catch (error) {
        // gone already (a deeper folder's walk removed it): look further up; not empty: stop here
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
      if (at === root) break;
    }
  }
}
