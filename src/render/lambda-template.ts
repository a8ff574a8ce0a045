/**
 * model → generated/<pipeline>/lambda/template.json: an AWS SAM template (JSON, so every name and value is quoted by
 * JSON.stringify and no YAML tag can go wrong) for the extraction Lambda of `npm run bundle:lambda`: the function,
 * its EventBridge Scheduler schedule and the extractor's least-privilege S3 policy (aws/extractor-policy.json).
 * Syntax: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
 * and …/sam-property-function-schedulev2.html
 */
import { extractorPolicy } from '../aws/policies.js';
import type { LambdaModel, PipelineModel } from '../model/types.js';

/** JSON has no comments: the template names the page it follows in its Description. */
const SAM_FUNCTION_DOC =
  'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html';

export function lambdaTemplatePath(): string {
  return 'lambda/template.json';
}

/** What the schedule sends: the handler's "every table" request (src/lambda/events.ts). */
export const SCHEDULE_INPUT = { command: 'extract' } as const;

export function lambdaTemplate(model: PipelineModel, lambda: LambdaModel): object {
  const password = model.source.password;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: `snowstage pipeline ${model.name}: extraction Lambda. Generated; do not edit: change the metadata and run \`snowstage generate\`. Syntax: ${SAM_FUNCTION_DOC}`,
    ...(password
      ? {
          Parameters: {
            MysqlPassword: {
              Type: 'String',
              NoEcho: true,
              Description: `MySQL password, passed to the function as ${password.env} (visible to whoever can read the function's configuration)`,
            },
          },
        }
      : {}),
    Resources: {
      ExtractFunction: {
        Type: 'AWS::Serverless::Function',
        Properties: functionProperties(model, lambda),
      },
    },
    Outputs: {
      ExtractFunctionArn: { Value: { 'Fn::GetAtt': ['ExtractFunction', 'Arn'] } },
    },
  };
}

function functionProperties(model: PipelineModel, lambda: LambdaModel): object {
  const password = model.source.password;
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
        ...(password ? { [password.env]: { Ref: 'MysqlPassword' } } : {}),
      },
    },
    // a failed run is not retried at once: the next scheduled run continues from the saved state
    EventInvokeConfig: { MaximumRetryAttempts: 0 },
    Policies: [{ Statement: extractorPolicy(model).Statement }],
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
