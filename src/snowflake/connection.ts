/** Connection settings shared by `apply` and `status`: the model's defaults, and a safe one-line description. */
import type { PipelineModel } from '../model/types.js';
import type { SnowflakeConnectionOptions } from './client.js';
import type { SnowflakeEnvDefaults } from './env.js';

/** Role, warehouse and database from the metadata, used when SNOWFLAKE_ROLE/_WAREHOUSE/_DATABASE are unset. */
export function connectionDefaults(model: PipelineModel): SnowflakeEnvDefaults {
  const defaults: SnowflakeEnvDefaults = { database: model.snowflake.database };
  if (model.snowflake.role !== undefined) defaults.role = model.snowflake.role;
  if (model.snowflake.warehouse !== undefined) defaults.warehouse = model.snowflake.warehouse;
  return defaults;
}

/** Who and where, never how: the credential kind is named, its value never. */
export function describeConnection(options: SnowflakeConnectionOptions): string {
  const parts = [`user ${options.username} on account ${options.account}`];
  if (options.role !== undefined) parts.push(`role ${options.role}`);
  if (options.warehouse !== undefined) parts.push(`warehouse ${options.warehouse}`);
  parts.push(options.auth.kind === 'password' ? 'password auth' : 'key-pair auth');
  return parts.join(', ');
}
