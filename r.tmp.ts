import { formatDiagnostic } from './src/metadata/diagnostics.js';
import { loadPipeline } from './src/pipeline.js';
import { loadTemplates, render } from './src/render/render.js';

const dir = process.argv[2]!;
const { model, diagnostics } = await loadPipeline({ dir, env: { SHOP_MYSQL_PASSWORD: 'x' }, cwd: dir });
if (!model) {
  console.log(diagnostics.map(formatDiagnostic).join('\n'));
  process.exit(1);
}
for (const f of render(model, loadTemplates()))
  if (f.path.includes(process.argv[3] ?? '')) console.log(`=== ${f.path}\n${f.content}`);
