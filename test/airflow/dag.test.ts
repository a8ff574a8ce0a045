/**
 * Generated Airflow DAGs, checked without Airflow: each compiles (python3 -m py_compile) and its shape, read with
 * Python's ast by scripts/airflow-dag-shape.py, matches the metadata: tasks, dependencies, schedule, arguments.
 * Templated fields are rendered with the real Jinja2 to prove that names reach Airflow unchanged.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { airflowDagPath } from '../../src/render/airflow-dag.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { qualified } from '../../src/sql/quote.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHAPE_SCRIPT = join(ROOT, 'scripts/airflow-dag-shape.py');
const templates = loadTemplates();

interface DagShape {
  dag: Record<string, unknown> & { default_args: Record<string, unknown> };
  tasks: Record<string, Record<string, unknown>>;
  edges: [string, string][];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snowstage-dag-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function modelOf(metadataDir: string, env: Record<string, string> = {}): Promise<PipelineModel> {
  const { model, diagnostics } = await loadPipeline({ dir: metadataDir, env, cwd: ROOT });
  if (!model) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return model;
}

/** Renders the model's DAG into the temp dir, compiles it, and returns its ast shape. */
async function dagShape(model: PipelineModel): Promise<DagShape> {
  const file = render(model, templates).find((f) => f.path === airflowDagPath(model));
  if (!file) throw new Error('no DAG rendered');
  const path = join(dir, `${model.name}.py`);
  await writeFile(path, file.content);
  await run('python3', ['-m', 'py_compile', path]);
  const callback = model.airflow?.onFailureCallback;
  const extra = callback ? [callback.slice(0, callback.lastIndexOf('.'))] : [];
  const { stdout } = await run('python3', [SHAPE_SCRIPT, path, ...extra]);
  return JSON.parse(stdout) as DagShape;
}

/** What Airflow's Jinja makes of a templated field before the operator uses it. */
async function jinjaRendered(template: string): Promise<string> {
  const script =
    'import json, sys, jinja2\nprint(json.dumps(jinja2.Environment().from_string(json.load(sys.stdin)).render()))';
  const child = run('python3', ['-c', script]);
  child.child.stdin?.end(JSON.stringify(template));
  return JSON.parse((await child).stdout) as string;
}

/** The DAG the metadata asks for, written from the model alone (not from the renderer). */
function expectedShape(model: PipelineModel) {
  const airflow = model.airflow;
  if (!airflow) throw new Error('airflow not enabled');
  const tasks = model.tables.flatMap((t) => [
    `extract_${t.name}`,
    ...(airflow.mergeNow ? [`merge_now_${t.name}`] : []),
  ]);
  const edges = model.tables.flatMap((t): [string, string][] =>
    airflow.mergeNow
      ? [
          [`extract_${t.name}`, `merge_now_${t.name}`],
          [`merge_now_${t.name}`, 'check_status'],
        ]
      : [[`extract_${t.name}`, 'check_status']],
  );
  return { airflow, tasks: [...tasks, 'check_status'].sort(), edges: edges.sort() };
}

async function checkAgainstMetadata(model: PipelineModel): Promise<DagShape> {
  const shape = await dagShape(model);
  const { airflow, tasks, edges } = expectedShape(model);
  expect(shape.dag.dag_id).toBe(`snowstage_${model.name}`);
  expect(shape.dag.schedule).toBe(airflow.schedule);
  expect(shape.dag.catchup).toBe(false);
  expect(shape.dag.start_date).toBe(`pendulum.datetime(2024, 1, 1, tz='${airflow.timeZone}')`);
  expect(shape.dag.default_args.retries).toBe(airflow.retries);
  expect(shape.dag.default_args.retry_delay).toEqual({ seconds: airflow.retryDelaySeconds });
  expect(shape.dag.default_args.execution_timeout).toEqual({ minutes: airflow.executionTimeoutMinutes });
  expect('on_failure_callback' in shape.dag.default_args).toBe(airflow.onFailureCallback !== undefined);
  expect(Object.keys(shape.tasks).sort()).toEqual(tasks);
  expect(shape.edges.sort()).toEqual(edges);
  for (const table of model.tables) {
    const extract = shape.tasks[`extract_${table.name}`] ?? {};
    expect(extract.pool).toBe(airflow.pool);
    if (airflow.runner.kind === 'docker') {
      expect(extract.image).toBe(airflow.runner.image);
      expect(extract.command).toEqual(['extract', '--table', table.name]);
    } else {
      expect(extract.cwd).toBe(airflow.runner.path);
      expect(extract.append_env).toBe(true);
      expect(await jinjaRendered(String(extract.bash_command))).toBe(
        `${airflow.runner.path}/node_modules/.bin/snowstage extract --table ${table.name}`,
      );
    }
    if (airflow.mergeNow) {
      const merge = shape.tasks[`merge_now_${table.name}`] ?? {};
      expect(merge.conn_id).toBe(airflow.snowflakeConnId);
      expect(await jinjaRendered(String(merge.sql))).toBe(`EXECUTE TASK ${qualified(table.task)}`);
    }
  }
  return shape;
}

describe('generated Airflow DAG', () => {
  it('the example pipeline (venv runner, no merge_now) compiles and matches its metadata', async () => {
    const model = await modelOf(join(ROOT, 'metadata'));
    await checkAgainstMetadata(model);
  });

  it('the hostile golden case (docker runner, merge_now, callback, hostile names) matches its metadata', async () => {
    const model = await modelOf(join(ROOT, 'test/golden/cases/serverless-cron-exact-names/metadata'), {
      DB_USER: 'reader',
    });
    const shape = await checkAgainstMetadata(model);
    expect(shape.tasks.extract_hostile?.pool).toBe(`mysql "legacy" {{ pool }} \\ 'x' é 😀`);
  });

  it('Jinja in a Snowflake name reaches EXECUTE TASK as text, not as a template', async () => {
    const base = await modelOf(join(ROOT, 'test/golden/cases/serverless-cron-exact-names/metadata'), {
      DB_USER: 'reader',
    });
    const hostileTask = `{{ 7 * 7 }}{% if true %}yes{% endif %}{# gone #}"; DROP TASK x; --{`;
    const model: PipelineModel = {
      ...base,
      tables: base.tables.map((t) => ({ ...t, task: { ...t.task, name: hostileTask } })),
    };
    const shape = await checkAgainstMetadata(model);
    const sql = await jinjaRendered(String(shape.tasks.merge_now_hostile?.sql));
    expect(sql).toContain('{{ 7 * 7 }}{% if true %}yes{% endif %}{# gone #}');
  });

  it('writes no DAG when the metadata has no airflow block or disables it', async () => {
    const minimal = join(ROOT, 'test/golden/cases/minimal-warehouse/metadata');
    const without = await modelOf(minimal);
    expect(render(without, templates).some((f) => f.path.startsWith('airflow/'))).toBe(false);
    const disabled = join(dir, 'disabled');
    await cp(minimal, disabled, { recursive: true });
    const pipeline = await readFile(join(disabled, 'pipeline.yaml'), 'utf8');
    const block =
      'airflow:\n  enabled: ENABLED\n  schedule: "@daily"\n  runner: { venv: { path: /opt/s } }\n';
    await writeFile(join(disabled, 'pipeline.yaml'), pipeline + block.replace('ENABLED', 'false'));
    const off = await modelOf(disabled);
    expect(render(off, templates).some((f) => f.path.startsWith('airflow/'))).toBe(false);
    await writeFile(join(disabled, 'pipeline.yaml'), pipeline + block.replace('ENABLED', 'true'));
    const on = await modelOf(disabled);
    expect(render(on, templates).map((f) => f.path)).toContain('airflow/shop.py');
  });
});
