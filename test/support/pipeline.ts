/** Loading metadata against the test's own MySQL database and S3 bucket. */
import { fileURLToPath } from 'node:url';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import type { TestDatabase } from './mysql.js';
import type { TestS3 } from './s3.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The variables the example metadata (and test fixtures) read, pointed at this test's database and bucket. */
export function pipelineEnv(db: TestDatabase, s3: TestS3): Record<string, string> {
  return {
    MYSQL_HOST: db.target.host,
    MYSQL_PORT: String(db.target.port),
    MYSQL_USER: db.target.user,
    MYSQL_PASSWORD: db.target.password,
    MYSQL_DATABASE: db.database,
    S3_BUCKET: s3.bucket,
  };
}

/** What a child process needs on top: the S3 server and its fixed credentials. */
export function childEnv(db: TestDatabase, s3: TestS3): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...pipelineEnv(db, s3),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
}

/** A metadata directory (relative to the repository) loaded into a model; throws with the diagnostics otherwise. */
export async function loadTestModel(dir: string, env: Record<string, string>): Promise<PipelineModel> {
  const loaded = await loadPipeline({ dir: `${ROOT}${dir}`, env, cwd: ROOT });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.model;
}
