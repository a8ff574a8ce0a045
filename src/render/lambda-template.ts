/**
 * model → generated/<pipeline>/lambda/template.json: an AWS SAM template (JSON, so every name and value is quoted by
 * JSON.stringify and no YAML tag can go wrong) for the extraction Lambda of `npm run bundle:lambda`: the function,
 * its EventBridge Scheduler schedule and the extractor's least-privilege S3 policy (aws/extractor-policy.json).
 * When a table has `loader: lambda`, also the COPY loader function (src/lambda/loader.ts), invoked by an EventBridge
 * rule on the bucket's "Object Created" events under exactly those tables' data and key-snapshot folders, with a queue for events it
 * failed to load after Lambda's retries.
 * Syntax: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
 * and …/sam-property-function-schedulev2.html, …/sam-property-function-eventbridgerule.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html (the event a rule matches)
 */
import { extractorPolicy } from '../aws/policies.js';
import { hasPipe, type LambdaModel, type PipelineModel, type TableModel } from '../model/types.js';
import {
  secretParameters,
  secretStatements,
  secretVariables,
  type TemplateSecret,
} from './lambda-secrets.js';

/** JSON has no comments: the template names the page it follows in its Description. */
const SAM_FUNCTION_DOC =
  'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html';

export function lambdaTemplatePath(): string {
  return 'lambda/template.json';
}

/** What the schedule sends: the handler's "every table" request (src/lambda/events.ts). */
export const SCHEDULE_INPUT = { command: 'extract' } as const;

/** The tables the COPY loader loads (no pipe); the loader's resources exist only when there is one. */
export function loaderTables(model: PipelineModel): TableModel[] {
  return model.tables.filter((t) => !hasPipe(t));
}

/** The extraction function's secret: the MySQL password, when the metadata references one. */
function extractSecrets(model: PipelineModel): TemplateSecret[] {
  const password = model.source.password;
  return password ? [{ parameter: 'MysqlPassword', variable: password.env, what: 'MySQL password' }] : [];
}

/** The loader's: the private key of its Snowflake user (key-pair authentication, src/snowflake/env.ts). */
const LOADER_SECRETS: readonly TemplateSecret[] = [
  {
    parameter: 'SnowflakePrivateKey',
    variable: 'SNOWFLAKE_PRIVATE_KEY',
    what: "PEM private key of the loader's Snowflake user (line breaks may be written as \\n)",
  },
];

export function lambdaTemplate(model: PipelineModel, lambda: LambdaModel): object {
  const loaded = loaderTables(model);
  const parameters = {
    ...secretParameters(lambda, extractSecrets(model)),
    ...(loaded.length > 0 ? { ...LOADER_PARAMETERS, ...secretParameters(lambda, LOADER_SECRETS) } : {}),
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: `snowstage pipeline ${model.name}: extraction Lambda${loaded.length > 0 ? ' and COPY loader' : ''}. Generated; do not edit: change the metadata and run \`snowstage generate\`. Syntax: ${SAM_FUNCTION_DOC}`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: {
      ExtractFunction: {
        Type: 'AWS::Serverless::Function',
        Properties: functionProperties(model, lambda),
      },
      ...(loaded.length > 0 ? loaderResources(model, lambda, loaded) : {}),
    },
    Outputs: {
      ExtractFunctionArn: { Value: { 'Fn::GetAtt': ['ExtractFunction', 'Arn'] } },
      ...(loaded.length > 0
        ? {
            LoaderFunctionArn: { Value: { 'Fn::GetAtt': ['LoaderFunction', 'Arn'] } },
            LoaderFailedEventsQueueUrl: { Value: { Ref: 'LoaderFailedEvents' } },
          }
        : {}),
    },
  };
}

/**
 * The loader's Snowflake login: key-pair authentication (src/snowflake/env.ts). Role, warehouse and database come
 * from the metadata (snowflake.role owns the stage, file format and landing tables COPY needs).
 */
const LOADER_PARAMETERS = {
  SnowflakeAccount: {
    Type: 'String',
    Description:
      'Snowflake account identifier (orgname-accountname), passed to the loader as SNOWFLAKE_ACCOUNT',
  },
  SnowflakeUser: {
    Type: 'String',
    Description: 'Snowflake user the loader connects as (SNOWFLAKE_USER); it needs the pipeline role',
  },
} as const;

/**
 * The EventBridge rule's pattern: Object Created in the pipeline's bucket, under a loader table's data folder or,
 * with delete_detection, its key-snapshot folder (data/_keys/<table>/): every folder one of its pipes would watch.
 */
export function loaderEventPattern(model: PipelineModel, tables: readonly TableModel[]): object {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [model.s3.bucket] },
      object: {
        key: tables.flatMap((t) => [
          { prefix: t.dataKeyPrefix },
          ...(t.deleteDetection ? [{ prefix: t.keysKeyPrefix }] : []),
        ]),
      },
    },
  };
}

function loaderResources(model: PipelineModel, lambda: LambdaModel, tables: readonly TableModel[]): object {
  return {
    LoaderFunction: {
      Type: 'AWS::Serverless::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        CodeUri: '../../../dist-lambda/',
        Handler: 'app/lambda/index.loader',
        MemorySize: lambda.loader.memoryMb,
        Timeout: lambda.loader.timeoutSeconds,
        Environment: {
          Variables: {
            SNOWFLAKE_ACCOUNT: { Ref: 'SnowflakeAccount' },
            SNOWFLAKE_USER: { Ref: 'SnowflakeUser' },
            ...secretVariables(lambda, LOADER_SECRETS),
          },
        },
        ...(lambda.secrets === 'secrets_manager'
          ? { Policies: [{ Statement: secretStatements(lambda, LOADER_SECRETS) }] }
          : {}),
        // No S3 statement (and, unless secrets come from Secrets Manager, no policy): the loader reads no object (Snowflake reads the files through the storage
        // integration); it only sends COPY statements. SAM adds the basic execution role (logs).
        // A failed load throws, Lambda retries it twice (COPY's load metadata makes a retry safe), then the
        // event goes to LoaderFailedEvents; its requestPayload is the event to send to the loader again.
        EventInvokeConfig: {
          MaximumRetryAttempts: 2,
          DestinationConfig: {
            OnFailure: { Type: 'SQS', Destination: { 'Fn::GetAtt': ['LoaderFailedEvents', 'Arn'] } },
          },
        },
        Events: {
          ObjectCreated: {
            Type: 'EventBridgeRule',
            Properties: {
              Pattern: loaderEventPattern(model, tables),
              // delivery to the function (throttling, service errors): retried for a day, then kept in a queue
              RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
              DeadLetterConfig: { Type: 'SQS', QueueLogicalId: 'LoaderUndeliveredEvents' },
            },
          },
        },
      },
    },
    LoaderFailedEvents: {
      Type: 'AWS::SQS::Queue',
      // the longest SQS keeps a message: two weeks to fix the cause and send the events again
      Properties: { MessageRetentionPeriod: 1209600 },
    },
  };
}

function functionProperties(model: PipelineModel, lambda: LambdaModel): object {
  return {
    Runtime: 'nodejs22.x',
    // the layout written by `npm run bundle:lambda` (scripts/bundle-lambda.mjs), relative to this file
    CodeUri: '../../../dist-lambda/',
    Handler: 'app/lambda/index.handler',
    MemorySize: lambda.memoryMb,
    Timeout: lambda.timeoutSeconds,
    Environment: {
      Variables: {
        SNOWSTAGE_DEADLINE_MARGIN_SECONDS: String(lambda.deadlineMarginSeconds),
        ...secretVariables(lambda, extractSecrets(model)),
      },
    },
    // a failed run is not retried at once: the next scheduled run continues from the saved state
    EventInvokeConfig: { MaximumRetryAttempts: 0 },
    Policies: [
      {
        Statement: [...extractorPolicy(model).Statement, ...secretStatements(lambda, extractSecrets(model))],
      },
    ],
    Events: {
      Schedule: {
        Type: 'ScheduleV2',
        Properties: {
          ScheduleExpression: lambda.schedule,
          ScheduleExpressionTimezone: lambda.timeZone,
          Input: JSON.stringify(SCHEDULE_INPUT),
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      },
    },
  };
}
