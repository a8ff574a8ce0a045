/**
 * How the SAM template hands secrets to the functions (`lambda.secrets`):
 * - `parameters` (default): a NoEcho parameter passed as the variable itself (visible in the function's
 *   configuration to whoever may read it);
 * - `secrets_manager`: a parameter naming a Secrets Manager secret (`<arn>` or `<arn>#<json field>`), passed as
 *   `SNOWSTAGE_SECRET_<variable>`; the function reads it at start (src/lambda/secrets.ts) and may read exactly
 *   those secrets (secretsmanager:GetSecretValue on their ARNs, nothing else).
 */
import type { LambdaModel } from '../model/types.js';

export interface TemplateSecret {
  /** template parameter name without the mode's suffix, e.g. MysqlPassword */
  readonly parameter: string;
  /** environment variable the function reads, e.g. MYSQL_PASSWORD */
  readonly variable: string;
  readonly what: string;
}

const SECRET_PREFIX = 'SNOWSTAGE_SECRET_';

export function secretParameterName(lambda: LambdaModel, secret: TemplateSecret): string {
  return lambda.secrets === 'secrets_manager' ? `${secret.parameter}Secret` : secret.parameter;
}

export function secretParameters(
  lambda: LambdaModel,
  secrets: readonly TemplateSecret[],
): Record<string, object> {
  return Object.fromEntries(
    secrets.map((s) => [
      secretParameterName(lambda, s),
      lambda.secrets === 'secrets_manager'
        ? {
            Type: 'String',
            // an ARN, so the policy can name exactly this secret; #field picks one field of a JSON secret
            AllowedPattern:
              '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+(#[^#]+)?$',
            Description: `ARN of the Secrets Manager secret holding the ${s.what} (or <arn>#<field> of a JSON secret), read by the function at start into ${s.variable}`,
          }
        : {
            Type: 'String',
            NoEcho: true,
            Description: `${s.what}, passed to the function as ${s.variable} (visible to whoever can read the function's configuration)`,
          },
    ]),
  );
}

export function secretVariables(
  lambda: LambdaModel,
  secrets: readonly TemplateSecret[],
): Record<string, object> {
  const prefix = lambda.secrets === 'secrets_manager' ? SECRET_PREFIX : '';
  return Object.fromEntries(
    secrets.map((s) => [`${prefix}${s.variable}`, { Ref: secretParameterName(lambda, s) }]),
  );
}

/** The policy statement reading exactly these secrets; none when secrets are parameters. */
export function secretStatements(lambda: LambdaModel, secrets: readonly TemplateSecret[]): object[] {
  if (lambda.secrets !== 'secrets_manager' || secrets.length === 0) return [];
  return [
    {
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      // the ARN without its #field
      Resource: secrets.map((s) => ({
        'Fn::Select': [0, { 'Fn::Split': ['#', { Ref: secretParameterName(lambda, s) }] }],
      })),
    },
  ];
}
