/**
 * `npm run bundle:lambda [-- <out dir> [<metadata dir>]]`: the Lambda deployment directory (zip its contents), default
 * dist-lambda/:
 *
 *   app/lambda/index.mjs   the handler and every dependency in one ESM file (Handler: app/lambda/index.handler)
 *   schemas/               the metadata JSON Schemas, which the handler reads at ../../schemas/ from its own file
 *   templates/             the SQL templates, from which the COPY loader renders the pipe's COPY (../../templates/)
 *   metadata/              the pipeline's metadata (default ./metadata), read at $LAMBDA_TASK_ROOT/metadata
 *
 * esbuild (a devDependency; already in the tree through tsx) bundles in well under a second and needs no config
 * file. ESM, not CJS: snowstage finds its schemas through import.meta.url, which a CJS bundle leaves empty. An ESM
 * bundle of snowflake-sdk and the AWS SDK needs `require`, `__filename` and `__dirname`, hence the banner
 * (reference lambda-airflow.md §1, aws-cdk#29310).
 */
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, 'dist-lambda'));
const metadata = resolve(process.argv[3] ?? join(root, 'metadata'));

const banner = [
  "import { createRequire as __snowstageCreateRequire } from 'node:module';",
  "import { fileURLToPath as __snowstageFileURLToPath } from 'node:url';",
  "import { dirname as __snowstageDirname } from 'node:path';",
  'const require = __snowstageCreateRequire(import.meta.url);',
  'const __filename = __snowstageFileURLToPath(import.meta.url);',
  'const __dirname = __snowstageDirname(__filename);',
].join('\n');

/**
 * src/lazy-packages.ts requires `yaml` and Handlebars on first use from node_modules, which a bundle does not have:
 * in the bundle the same functions return statically imported packages, so esbuild includes them.
 */
const staticPackages = {
  name: 'static-packages',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/]lazy-packages\.ts$/ }, () => ({
      loader: 'ts',
      contents: [
        "import * as yaml from 'yaml';",
        "import * as diff from 'diff';",
        "import Handlebars from 'handlebars';",
        "import HandlebarsRuntime from 'handlebars/runtime';",
        'export function yamlPackage() { return yaml; }',
        'export function diffPackage() { return diff; }',
        "export function handlebarsPackage(part) { return part === 'compiler' ? Handlebars : HandlebarsRuntime; }",
      ].join('\n'),
    }));
  },
};

await rm(out, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(root, 'src/lambda/handler.ts')],
  outfile: join(out, 'app/lambda/index.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'bundle',
  banner: { js: banner },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  plugins: [staticPackages],
});
await mkdir(join(out, 'schemas'), { recursive: true });
for (const name of await readdir(join(root, 'schemas'))) {
  if (name.endsWith('.schema.json')) await cp(join(root, 'schemas', name), join(out, 'schemas', name));
}
await cp(join(root, 'templates'), join(out, 'templates'), { recursive: true });
await cp(metadata, join(out, 'metadata'), { recursive: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`${out}: app/lambda/index.mjs (${(bytes / 1024 / 1024).toFixed(1)} MB), schemas/, templates/, metadata/`);
