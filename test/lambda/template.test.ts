/**
 * The generated SAM template for the extraction Lambda, parsed and checked without AWS: every Ref, GetAtt and Sub
 * resolves, the settings match the metadata, the IAM policy stays inside the pipeline's bucket prefix, and the
 * schedule's Input is an event the handler accepts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScheduleEvent } from '../../src/lambda/events.js';
import * as loaderModule from '../../src/lambda/loader.js';
import type { LambdaModel, PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { lambdaTemplatePath } from '../../src/render/lambda-template.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { ROOT } from '../support/pipeline.js';

const templates = loadTemplates();
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

async function modelOf(dir: string, env: Record<string, string> = {}): Promise<PipelineModel> {
  const { model, diagnostics } = await loadPipeline({ dir: join(ROOT, dir), env, cwd: ROOT });
  if (!model) throw new Error(JSON.stringify(diagnostics));
  return model;
}

function templateOf(model: PipelineModel): Record<string, Json> {
  const file = render(model, templates).find((f) => f.path === lambdaTemplatePath());
  if (!file) throw new Error('no template rendered');
  return JSON.parse(file.content) as Record<string, Json>;
}

/** Every name a Ref, Fn::GetAtt or ${…} in Fn::Sub points at, with where it was found. */
function references(node: Json, path = ''): { name: string; at: string }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => references(n, `${path}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const found: { name: string; at: string }[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && typeof value === 'string') found.push({ name: value, at: path });
    if (key === 'Fn::GetAtt') {
      const target = Array.isArray(value) ? value[0] : String(value).split('.')[0];
      found.push({ name: String(target), at: path });
    }
    if (key === 'Fn::Sub') {
      const text = Array.isArray(value) ? String(value[0]) : String(value);
      for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g))
        found.push({ name: String(match[1]).split('.')[0] ?? '', at: path });
    }
    found.push(...references(value, `${path}/${key}`));
  }
  return found;
}

function statements(template: Record<string, Json>, resource = 'ExtractFunction'): Record<string, Json>[] {
  const fn = (template.Resources as Record<string, Record<string, Record<string, Json>>>)[resource];
  const policies = (fn?.Properties?.Policies ?? []) as { Statement: Record<string, Json>[] }[];
  return policies.flatMap((p) => p.Statement);
}

/**
 * A Secrets Manager statement reads exactly the secrets the template's parameters name (ARNs by AllowedPattern,
 * the #field cut off), nothing else; the function gets each as SNOWSTAGE_SECRET_<variable>.
 */
function checkSecretStatement(template: Record<string, Json>, statement: Record<string, Json>): void {
  expect(statement.Action).toBe('secretsmanager:GetSecretValue');
  const parameters = template.Parameters as Record<string, Record<string, Json>>;
  type Select = { 'Fn::Select': [number, { 'Fn::Split': [string, { Ref: string }] }] };
  for (const resource of statement.Resource as unknown as Select[]) {
    const [index, split] = resource['Fn::Select'];
    expect(index).toBe(0);
    expect(split['Fn::Split'][0]).toBe('#');
    const parameter = parameters[split['Fn::Split'][1].Ref];
    expect(String(parameter?.AllowedPattern)).toMatch(/^\^arn:aws/);
    expect(new RegExp(String(parameter?.AllowedPattern)).test('*')).toBe(false);
  }
}

const asList = (value: Json | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

function check(model: PipelineModel): void {
  const lambda = model.lambda;
  if (!lambda) throw new Error('lambda not enabled');
  const template = templateOf(model);
  const declared = new Set([
    ...Object.keys((template.Parameters as object | undefined) ?? {}),
    ...Object.keys(template.Resources as object),
    ...PSEUDO_PARAMETERS,
  ]);
  const refs = references(template);
  for (const ref of refs) expect(declared.has(ref.name), `${ref.name} at ${ref.at}`).toBe(true);
  // every declared parameter is used
  for (const name of Object.keys((template.Parameters as object | undefined) ?? {}))
    expect(
      refs.some((r) => r.name === name),
      name,
    ).toBe(true);

  const fn = (template.Resources as Record<string, Record<string, Record<string, Json>>>).ExtractFunction;
  const props = fn?.Properties ?? {};
  expect(fn?.Type).toBe('AWS::Serverless::Function');
  expect(props.MemorySize).toBe(lambda.memoryMb);
  expect(props.Timeout).toBe(lambda.timeoutSeconds);
  expect(Number(props.Timeout)).toBeLessThanOrEqual(900);
  const variables = (props.Environment as { Variables: Record<string, Json> }).Variables;
  expect(Number(variables.SNOWSTAGE_DEADLINE_MARGIN_SECONDS)).toBe(lambda.deadlineMarginSeconds);
  expect(lambda.deadlineMarginSeconds).toBeLessThan(lambda.timeoutSeconds);
  if (model.source.password && lambda.secrets === 'parameters')
    expect(variables[model.source.password.env]).toEqual({ Ref: 'MysqlPassword' });
  if (model.source.password && lambda.secrets === 'secrets_manager') {
    expect(variables[model.source.password.env]).toBeUndefined();
    expect(variables[`SNOWSTAGE_SECRET_${model.source.password.env}`]).toEqual({
      Ref: 'MysqlPasswordSecret',
    });
    expect(statements(template).map((s) => s.Sid)).toContain('ReadSecrets');
  }

  const schedule = (props.Events as Record<string, { Type: string; Properties: Record<string, Json> }>)
    .Schedule;
  expect(schedule?.Type).toBe('ScheduleV2');
  expect(schedule?.Properties.ScheduleExpression).toBe(lambda.schedule);
  expect(schedule?.Properties.ScheduleExpressionTimezone).toBe(lambda.timeZone);
  const input = JSON.parse(String(schedule?.Properties.Input)) as unknown;
  expect(parseScheduleEvent(input)).toEqual({ kind: 'extract', tables: [], backfill: false });

  const partition = model.s3.region.includes('-gov-') ? 'aws-us-gov' : 'aws';
  const bucketArn = `arn:${partition}:s3:::${model.s3.bucket}`;
  for (const statement of statements(template)) {
    expect(statement.Effect).toBe('Allow');
    if (statement.Sid === 'ReadSecrets') {
      checkSecretStatement(template, statement);
      continue;
    }
    for (const action of asList(statement.Action))
      expect(action, JSON.stringify(statement)).toMatch(/^s3:[A-Za-z]+$/);
    for (const resource of asList(statement.Resource)) {
      if (resource === bucketArn) {
        // listing the bucket only under the pipeline's prefix
        const prefixes = asList(
          (statement.Condition as Record<string, Record<string, Json>>).StringLike?.['s3:prefix'],
        );
        for (const p of prefixes) expect(p.startsWith(model.s3.prefix)).toBe(true);
      } else {
        expect(resource.startsWith(`${bucketArn}/${model.s3.prefix}`), resource).toBe(true);
      }
    }
  }
}

/**
 * The loader: handler export, memory and timeout from the metadata, Snowflake login from parameters, an
 * EventBridge rule for Object Created in the pipeline's bucket under exactly the lambda tables' data and key-snapshot
 * folders (each
 * inside the pipeline's prefix; a snowpipe table's folder is never matched), no S3 permissions at all (Snowflake
 * reads the files), and failed events kept in a queue of the template.
 */
function checkLoader(model: PipelineModel): void {
  const lambda = model.lambda;
  if (!lambda) throw new Error('lambda not enabled');
  const template = templateOf(model);
  const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, Json> }>;
  const loader = resources.LoaderFunction;
  expect(loader?.Type).toBe('AWS::Serverless::Function');
  const props = loader?.Properties ?? {};
  expect(props.Handler).toBe('app/lambda/index.loader');
  expect(props.MemorySize).toBe(lambda.loader.memoryMb);
  expect(props.Timeout).toBe(lambda.loader.timeoutSeconds);
  // no S3 access at all: Snowflake reads the files; with Secrets Manager, reading exactly the key's secret
  const loaderStatements = statements(template, 'LoaderFunction');
  if (lambda.secrets === 'parameters') expect(props.Policies).toBeUndefined();
  else {
    expect(loaderStatements.map((s) => s.Sid)).toEqual(['ReadSecrets']);
    for (const statement of loaderStatements) checkSecretStatement(template, statement);
  }
  const variables = (props.Environment as { Variables: Record<string, Json> }).Variables;
  expect(variables).toEqual({
    SNOWFLAKE_ACCOUNT: { Ref: 'SnowflakeAccount' },
    SNOWFLAKE_USER: { Ref: 'SnowflakeUser' },
    ...(lambda.secrets === 'secrets_manager'
      ? { SNOWSTAGE_SECRET_SNOWFLAKE_PRIVATE_KEY: { Ref: 'SnowflakePrivateKeySecret' } }
      : { SNOWFLAKE_PRIVATE_KEY: { Ref: 'SnowflakePrivateKey' } }),
  });
  const destination = (props.EventInvokeConfig as Record<string, Record<string, Record<string, Json>>>)
    .DestinationConfig?.OnFailure;
  expect(destination?.Type).toBe('SQS');
  expect(resources.LoaderFailedEvents?.Type).toBe('AWS::SQS::Queue');

  const events = props.Events as Record<string, { Type: string; Properties: Record<string, Json> }>;
  expect(Object.values(events).map((e) => e.Type)).toEqual(['EventBridgeRule']);
  const pattern = events.ObjectCreated?.Properties.Pattern as {
    source: string[];
    'detail-type': string[];
    detail: { bucket: { name: string[] }; object: { key: { prefix: string }[] } };
  };
  expect(pattern.source).toEqual(['aws.s3']);
  expect(pattern['detail-type']).toEqual(['Object Created']);
  expect(pattern.detail.bucket.name).toEqual([model.s3.bucket]);
  const prefixes = pattern.detail.object.key.map((k) => k.prefix);
  expect(prefixes.sort()).toEqual(
    model.tables
      .filter((t) => t.loader === 'lambda')
      // every folder one of its pipes would watch: data, and the key snapshots' with delete_detection
      .flatMap((t) => (t.deleteDetection ? [t.dataKeyPrefix, t.keysKeyPrefix] : [t.dataKeyPrefix]))
      .sort(),
  );
  for (const prefix of prefixes) expect(prefix.startsWith(`${model.s3.prefix}data/`)).toBe(true);
  for (const table of model.tables.filter((t) => t.loader === 'snowpipe')) {
    for (const prefix of prefixes) {
      expect(table.dataKeyPrefix.startsWith(prefix) || prefix.startsWith(table.dataKeyPrefix)).toBe(false);
      expect(table.keysKeyPrefix.startsWith(prefix)).toBe(false);
    }
  }
  // the bundle's loader export is the handler the template names
  expect(typeof (loaderModule as { loader?: unknown }).loader).toBe('function');
}

describe('generated Lambda SAM template', () => {
  it('the example pipeline: references resolve, settings and policy match the metadata', async () => {
    check(await modelOf('metadata'));
  });

  it('the exact-names case (GovCloud partition, bucket root, cron in a time zone, no password)', async () => {
    const model = await modelOf('test/golden/cases/serverless-cron-exact-names/metadata', { DB_USER: 'r' });
    check(model);
    expect(templateOf(model).Parameters).toBeUndefined();
  });

  it('the lambda-loader case: the loader function, its EventBridge rule on exactly the lambda tables, no S3 access', async () => {
    const model = await modelOf('test/golden/cases/lambda-loader/metadata', { SHOP_MYSQL_PASSWORD: 'x' });
    check(model);
    checkLoader(model);
    // the same pipeline with secrets as parameters (NoEcho, passed as the variables themselves)
    const withParameters = {
      ...model,
      lambda: { ...(model.lambda as LambdaModel), secrets: 'parameters' as const },
    };
    check(withParameters);
    checkLoader(withParameters);
    expect(model.tables.filter((t) => t.loader === 'lambda').map((t) => t.name)).toEqual([
      'accounts',
      'currencies',
      'order_lines',
      'orders',
    ]);
    // accounts has delete_detection: its key snapshots' folder is watched too
    const accounts = model.tables.find((t) => t.name === 'accounts');
    expect(JSON.stringify(templateOf(model))).toContain(`{"prefix":"${accounts?.keysKeyPrefix}"}`);
  });

  it('has no loader resources when every table has a pipe', async () => {
    const template = templateOf(await modelOf('metadata'));
    expect(Object.keys(template.Resources as object)).toEqual(['ExtractFunction']);
    expect(Object.keys((template.Parameters as object | undefined) ?? {})).not.toContain('SnowflakeAccount');
  });

  it('is not written without a lambda block', async () => {
    const model = await modelOf('test/golden/cases/minimal-warehouse/metadata');
    expect(render(model, templates).some((f) => f.path.startsWith('lambda/'))).toBe(false);
  });
});
