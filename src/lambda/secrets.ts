/**
 * Secrets from AWS Secrets Manager for the Lambda functions, so that passwords and keys need not sit in the
 * function's configuration (readable by whoever may call GetFunctionConfiguration). A variable
 * `SNOWSTAGE_SECRET_<NAME>` holding a secret's ARN (or name) makes `<NAME>` the secret's SecretString;
 * `<arn>#<field>` takes one field of a JSON secret (RDS-managed secrets hold {"username", "password", …}). Values are
 * cached per container for five minutes, so a rotated secret is picked up without a cold start.
 * API: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

type Env = Readonly<Record<string, string | undefined>>;

export const SECRET_PREFIX = 'SNOWSTAGE_SECRET_';
const CACHE_MS = 5 * 60_000;

/** `<secretId>#<field>`: secret ARNs and names never contain #, so it can separate a JSON field. */
export interface SecretReference {
  readonly variable: string;
  readonly secretId: string;
  readonly field: string | undefined;
}

/** The variables to fill from Secrets Manager, sorted by name; a variable also set directly is a conflict. */
export function secretReferences(env: Env): SecretReference[] {
  return Object.entries(env)
    .filter(([key, value]) => key.startsWith(SECRET_PREFIX) && key.length > SECRET_PREFIX.length && value)
    .map(([key, value]) => {
      const [secretId = '', field] = String(value).split('#', 2);
      return { variable: key.slice(SECRET_PREFIX.length), secretId, field: field === '' ? undefined : field };
    })
    .sort((a, b) => (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : 0));
}

const cache = new Map<string, { value: string; until: number }>();

/** The environment with each referenced secret filled in (a new object; the input is not changed). */
export async function withSecrets(env: Env, now: () => number = Date.now): Promise<Env> {
  const references = secretReferences(env);
  if (references.length === 0) return env;
  const conflicts = references.filter((r) => env[r.variable]);
  if (conflicts.length > 0)
    throw new Error(
      `snowstage: ${conflicts.map((r) => r.variable).join(', ')} set both directly and as ${SECRET_PREFIX}<name>; set one of them`,
    );
  const client = secretsClient(env);
  try {
    const filled: Record<string, string | undefined> = { ...env };
    for (const reference of references)
      filled[reference.variable] = await secretValue(client, reference, now);
    return filled;
  } finally {
    client.destroy();
  }
}

/** Region and endpoint from the function's environment (as for S3: AWS_ENDPOINT_URL_SECRETS_MANAGER for tests). */
function secretsClient(env: Env): SecretsManagerClient {
  const endpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  return new SecretsManagerClient({
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 3,
  });
}

async function secretValue(
  client: SecretsManagerClient,
  reference: SecretReference,
  now: () => number,
): Promise<string> {
  const cached = cache.get(reference.secretId);
  let text = cached !== undefined && cached.until > now() ? cached.value : undefined;
  if (text === undefined) {
    try {
      const output = await client.send(new GetSecretValueCommand({ SecretId: reference.secretId }));
      if (output.SecretString === undefined) throw new Error('it holds no SecretString (a binary secret)');
      text = output.SecretString;
    } catch (error) {
      // the name of the variable and the secret's id, never a value
      throw new Error(
        `snowstage: could not read secret ${reference.secretId} for ${reference.variable}: ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
    cache.set(reference.secretId, { value: text, until: now() + CACHE_MS });
  }
  return reference.field === undefined ? text : jsonField(text, reference);
}

function jsonField(text: string, reference: SecretReference): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `snowstage: secret ${reference.secretId} for ${reference.variable} is not JSON, so it has no field ${reference.field}`,
    );
  }
  const value = (parsed as Record<string, unknown> | null)?.[reference.field as string];
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error(
      `snowstage: secret ${reference.secretId} for ${reference.variable} has no text field ${reference.field}`,
    );
  return String(value);
}

/** For tests: forget cached values. */
export function clearSecretCache(): void {
  cache.clear();
}
