/**
 * Builds connection options from SNOWFLAKE_* environment variables. Pure: the CLI passes `process.env` in, and
 * every problem is returned at once (never a secret value, only variable names).
 */
import type { SnowflakeAuth, SnowflakeConnectionOptions } from './client.js';

/** Values from the metadata/config, used when the matching variable is unset or empty. */
export interface SnowflakeEnvDefaults {
  account?: string;
  username?: string;
  role?: string;
  warehouse?: string;
  database?: string;
}

export interface SnowflakeEnvResult {
  /** present only when `problems` is empty */
  options?: SnowflakeConnectionOptions;
  problems: string[];
}

/** The driver rejects any other account text (`^\w+([.-]\w+)*$`, connection_config.js). */
const ACCOUNT_PATTERN = /^\w+([.-]\w+)*$/;

export function snowflakeOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: SnowflakeEnvDefaults = {},
): SnowflakeEnvResult {
  const read = (name: string): string | undefined => nonEmpty(env[name]?.trim());
  const problems: string[] = [];
  const account = read('SNOWFLAKE_ACCOUNT') ?? defaults.account;
  const username = read('SNOWFLAKE_USER') ?? defaults.username;
  if (account === undefined) problems.push('no Snowflake account: set SNOWFLAKE_ACCOUNT');
  else problems.push(...accountProblems(account));
  if (username === undefined) problems.push('no Snowflake user: set SNOWFLAKE_USER');
  const auth = authFromEnv(env, problems);
  if (problems.length > 0 || account === undefined || username === undefined || auth === undefined) {
    return { problems };
  }

  const options: SnowflakeConnectionOptions = { account, username, auth };
  const role = read('SNOWFLAKE_ROLE') ?? defaults.role;
  const warehouse = read('SNOWFLAKE_WAREHOUSE') ?? defaults.warehouse;
  const database = read('SNOWFLAKE_DATABASE') ?? defaults.database;
  const accessUrl = read('SNOWFLAKE_ACCESS_URL');
  if (role !== undefined) options.role = role;
  if (warehouse !== undefined) options.warehouse = warehouse;
  if (database !== undefined) options.database = database;
  if (accessUrl !== undefined) options.accessUrl = accessUrl;
  const timeout = read('SNOWFLAKE_CONNECT_TIMEOUT_SECONDS');
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
      return {
        problems: ['SNOWFLAKE_CONNECT_TIMEOUT_SECONDS must be a number of seconds between 0 and 3600'],
      };
    }
    options.connectTimeoutMs = Math.round(seconds * 1000);
  }
  return { options, problems };
}

function accountProblems(account: string): string[] {
  if (/\.snowflakecomputing\.com\/?$/i.test(account) || account.includes('://')) {
    return [
      'SNOWFLAKE_ACCOUNT must be the account identifier (e.g. myorg-myaccount), not a URL or host name; ' +
        'use SNOWFLAKE_ACCESS_URL for a custom endpoint',
    ];
  }
  if (!ACCOUNT_PATTERN.test(account)) {
    return ['SNOWFLAKE_ACCOUNT must contain only letters, digits, "_", and single "-" or "." separators'];
  }
  return [];
}

/** Key pair wins over a password when both are set (a JWT never sends a reusable secret over the wire). */
function authFromEnv(env: NodeJS.ProcessEnv, problems: string[]): SnowflakeAuth | undefined {
  const keyPath = nonEmpty(env.SNOWFLAKE_PRIVATE_KEY_PATH?.trim());
  const keyPem = nonEmpty(env.SNOWFLAKE_PRIVATE_KEY?.trim());
  // Secrets are taken verbatim: a password may really start or end with a space.
  const passphrase = nonEmpty(env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE);
  const password = nonEmpty(env.SNOWFLAKE_PASSWORD);
  const withPassphrase = passphrase === undefined ? {} : { passphrase };
  if (keyPath !== undefined && keyPem !== undefined) {
    problems.push('set only one of SNOWFLAKE_PRIVATE_KEY_PATH and SNOWFLAKE_PRIVATE_KEY');
    return undefined;
  }
  if (keyPath !== undefined) return { kind: 'keypair', privateKeyPath: keyPath, ...withPassphrase };
  if (keyPem !== undefined) return { kind: 'keypair-pem', privateKey: pemFromEnv(keyPem), ...withPassphrase };
  if (password !== undefined) return { kind: 'password', password };
  problems.push(
    'no Snowflake credentials: set SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PRIVATE_KEY (PEM text) or SNOWFLAKE_PASSWORD',
  );
  return undefined;
}

/** CI secret stores often flatten a PEM onto one line with literal `\n`; restore the line breaks. */
function pemFromEnv(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
