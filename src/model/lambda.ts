/** The `lambda:` block of pipeline.yaml → LambdaModel, with the checks its JSON Schema cannot express. */
import type { LambdaDoc } from '../metadata/documents.js';
import { isTimeZone } from './schedule.js';
import type { LambdaModel } from './types.js';

export const LAMBDA_DEFAULTS = {
  timeZone: 'UTC',
  memoryMb: 1024,
  timeoutSeconds: 900,
  deadlineMarginSeconds: 60,
  loaderMemoryMb: 256,
  loaderTimeoutSeconds: 300,
} as const;

export function buildLambda(
  doc: LambdaDoc | undefined,
  report: (pointer: string, message: string) => void,
): LambdaModel | undefined {
  if (doc === undefined || doc.enabled === false) return undefined;
  const model: LambdaModel = {
    schedule: doc.schedule,
    timeZone: doc.time_zone ?? LAMBDA_DEFAULTS.timeZone,
    memoryMb: doc.memory_mb ?? LAMBDA_DEFAULTS.memoryMb,
    timeoutSeconds: doc.timeout_seconds ?? LAMBDA_DEFAULTS.timeoutSeconds,
    deadlineMarginSeconds: doc.deadline_margin_seconds ?? LAMBDA_DEFAULTS.deadlineMarginSeconds,
    secrets: doc.credentials ?? 'parameters',
    loader: {
      memoryMb: doc.loader?.memory_mb ?? LAMBDA_DEFAULTS.loaderMemoryMb,
      timeoutSeconds: doc.loader?.timeout_seconds ?? LAMBDA_DEFAULTS.loaderTimeoutSeconds,
    },
  };
  if (!isTimeZone(model.timeZone))
    report(
      '/lambda/time_zone',
      `found "${model.timeZone}", expected an IANA zone such as UTC or Europe/Berlin`,
    );
  // at least a minute of work per invocation once the margin is kept back
  if (model.deadlineMarginSeconds > model.timeoutSeconds - 60)
    report(
      '/lambda/deadline_margin_seconds',
      `found ${model.deadlineMarginSeconds} with timeout_seconds ${model.timeoutSeconds}, expected at most timeout_seconds - 60`,
    );
  return model;
}
