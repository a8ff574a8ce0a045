/**
 * Evaluates an identity policy for one request, for the part of IAM's policy language snowstage's generated
 * policies use (AWS IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements: Condition
 * operators"): Allow statements; Action as exact names; Resource with `*` and `?` wildcards; the StringLike,
 * StringEquals, Null and Bool operators, every listed value of a key OR-ed, every key and operator AND-ed. No
 * Allow means an implicit deny. Anything else in a policy is an error, so the evaluator cannot silently say yes.
 */

export interface S3Request {
  readonly action: string;
  readonly resource: string;
  /** condition keys present in the request, e.g. { 's3:prefix': 'x/', 's3:if-none-match': '*' } */
  readonly context: Readonly<Record<string, string>>;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function glob(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

function conditionHolds(
  operator: string,
  key: string,
  values: string[],
  context: S3Request['context'],
): boolean {
  const present = context[key];
  switch (operator) {
    case 'Null':
      // "true": the key must be absent; "false": it must be present
      return values.some((v) => (v === 'true') === (present === undefined));
    case 'Bool':
      return present !== undefined && values.includes(present);
    case 'StringEquals':
      return present !== undefined && values.includes(present);
    case 'StringLike':
      return present !== undefined && values.some((v) => glob(v, present));
    default:
      throw new Error(`condition operator ${operator} is not supported by this evaluator`);
  }
}

function statementAllows(statement: Statement, request: S3Request): boolean {
  if (statement.Effect !== 'Allow') throw new Error(`effect ${statement.Effect} is not supported`);
  if (!list(statement.Action).includes(request.action)) return false;
  if (!list(statement.Resource).some((r) => glob(r, request.resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) =>
      conditionHolds(operator, key, list(values), request.context),
    ),
  );
}

/** The Sid of the first statement that allows the request, or undefined (implicitly denied). */
export function allowedBy(policy: { Statement: unknown[] }, request: S3Request): string | undefined {
  const statement = (policy.Statement as (Statement & { Sid?: string })[]).find((s) =>
    statementAllows(s, request),
  );
  return statement === undefined ? undefined : (statement.Sid ?? '(no Sid)');
}
