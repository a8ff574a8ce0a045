/**
 * Packages loaded on first use, not at start: most runs never need `yaml` (yaml-fast reads the metadata; `yaml` only
 * locates a diagnostic or reads a file the fast reader declines), Handlebars' compiler (the build precompiles the
 * templates) or `diff` (only a stale `generate --check` prints a diff). Loading them at start was about 60 modules
 * and a fifth of a small `generate`.
 *
 * A bundle has no node_modules to require from: scripts/bundle-lambda.mjs replaces this file with one that imports
 * the same packages statically (test/lambda/handler.test.ts runs the bundle where no node_modules can be found).
 */
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';

const require = createRequire(import.meta.url);

export function yamlPackage(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}

export function diffPackage(): typeof import('diff') {
  return require('diff') as typeof import('diff');
}

/** The whole package (compiler and runtime), or the runtime alone, enough for precompiled templates. */
export function handlebarsPackage(part: 'compiler' | 'runtime'): typeof Handlebars {
  return require(part === 'compiler' ? 'handlebars' : 'handlebars/runtime') as typeof Handlebars;
}
