/** Connection settings shared by `apply` and `status`: the model's defaults, and a safe one-line description. */
import type { PipelineModel } from '../model/types.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SnowflakeConnectionOptions, SnowflakeError } from './client.js';
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
  const parts = [`user ${options.username} on account ${options.account} at ${endpointOf(options)}`];
  if (options.role !== undefined) parts.push(`role ${options.role}`);
  if (options.warehouse !== undefined) parts.push(`warehouse ${options.warehouse}`);
  parts.push(options.auth.kind === 'password' ? 'password auth' : 'key-pair auth');
  return parts.join(', ');
}

/** The URL the driver talks to: SNOWFLAKE_ACCESS_URL when set, else the account's public host. */
export function endpointOf(options: SnowflakeConnectionOptions): string {
  return options.accessUrl ?? `https://${options.account}.snowflakecomputing.com`;
}

/**
 * One line for a failed connection that says what failed and which setting to look at; never a secret (the
 * driver's message is already redacted by the client, and only variable names are added here).
 */
export function connectFailureText(error: unknown, options: SnowflakeConnectionOptions): string {
  const target = `Snowflake account ${options.account} at ${endpointOf(options)}`;
  if (!(error instanceof SnowflakeError)) {
    return `could not connect to ${target}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const message = error.message.replace(/\s*[\r\n]+\s*/g, ' ');
  switch (error.kind) {
    case 'timeout': {
      const seconds = (options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000;
      return (
        `could not connect to ${target}: no answer within ${seconds} s (SNOWFLAKE_CONNECT_TIMEOUT_SECONDS); ` +
        'check SNOWFLAKE_ACCOUNT, SNOWFLAKE_ACCESS_URL and the network path to it'
      );
    }
    case 'local-key':
      return `${message}; nothing was sent to Snowflake. Check ${keyVariables(options)}`;
    case 'network':
      return `could not reach ${target}: ${message}; check SNOWFLAKE_ACCOUNT, SNOWFLAKE_ACCESS_URL and the network`;
    default: {
      const code = error.code === undefined ? '' : ` (${error.code})`;
      return `Snowflake refused the login of user ${options.username} on ${target}${code}: ${message}`;
    }
  }
}

function keyVariables(options: SnowflakeConnectionOptions): string {
  const key = options.auth.kind === 'keypair' ? 'SNOWFLAKE_PRIVATE_KEY_PATH' : 'SNOWFLAKE_PRIVATE_KEY';
  const passphrase =
    'passphrase' in options.auth && options.auth.passphrase !== undefined
      ? 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (set, but it does not decrypt the key)'
      : 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (not set)';
  return `${key} and ${passphrase}`;
}
