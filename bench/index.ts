/**
 * npm run bench [-- extract|apply|generate …]: the named benchmarks, or all three. Each prints its figures and
 * ratios against a baseline run in the same invocation (BENCHMARKS.md).
 */
const wanted = process.argv.slice(2);
const all = wanted.length === 0;
if (all || wanted.includes('extract')) await import('./extract.js');
if (all || wanted.includes('many-tables')) await import('./many-tables.js');
if (all || wanted.includes('apply')) await (await import('./apply.js')).benchApply();
if (all || wanted.includes('generate')) await (await import('./generate.js')).benchGenerate();
