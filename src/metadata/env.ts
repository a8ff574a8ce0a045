/**
 * `${VAR}` and `${VAR:-default}` references in metadata strings. The same files serve a laptop, CI and
 * production; secrets are never values in metadata, only references resolved at the edge that needs them.
 */
import { pointerOf } from './diagnostics.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;
/** keys whose values are secrets: they must be a whole reference with no (or an empty) default */
const SECRET_KEY = /password|secret|token|private_?key|passphrase/i;

export interface EnvProblem {
  readonly pointer: string;
  readonly message: string;
}

export interface EnvReference {
  readonly name: string;
  readonly fallback: string | undefined;
}

export function parseWholeReference(text: string): EnvReference | undefined {
  const m = WHOLE_REFERENCE.exec(text);
  return m ? { name: m[1] as string, fallback: m[2] } : undefined;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Returns a copy of `value` with references in strings replaced, in one pass: a resolved value (an environment
 * value or a default) is never read again as a reference, and the caller validates the resolved text. Secret-keyed strings are checked and kept
 * as written (the model turns them into SecretRef), so a secret never enters the model or generated output.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; problems: EnvProblem[] } {
  const problems: EnvProblem[] = [];
  // one path, pushed and popped on the way down: a copy per node was a tenth of loading 500 table files
  const path: (string | number)[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const key = path[path.length - 1];
      if (typeof key === 'string' && isSecretKey(key)) {
        checkSecret(v, pointerOf(path), problems);
        return v;
      }
      // most strings hold no reference: their pointer is never needed
      return v.includes('${') ? substitute(v, env, pointerOf(path), problems) : v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) out.push(walkInto(i, v[i]));
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const resolved = walkInto(k, item);
        // a key named __proto__ stays a plain property (as Object.fromEntries made it), never the prototype
        if (k === '__proto__') {
          Object.defineProperty(out, k, {
            value: resolved,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        } else out[k] = resolved;
      }
      return out;
    }
    if (v !== null && v !== undefined && typeof v !== 'boolean') {
      const key = path[path.length - 1];
      if (typeof key === 'string' && isSecretKey(key)) checkSecret(String(v), pointerOf(path), problems);
    }
    return v;
  };
  const walkInto = (key: string | number, v: unknown): unknown => {
    path.push(key);
    try {
      return walk(v);
    } finally {
      path.pop();
    }
  };
  return { value: walk(value), problems };
}

function substitute(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  pointer: string,
  problems: EnvProblem[],
): string {
  return text.replace(REFERENCE, (_all, name: string, fallback: string | undefined) => {
    if (fallback?.includes('${')) {
      // `${A:-${B}}` would leave `${B}` behind: text that looks like a reference but is never resolved.
      problems.push({
        pointer,
        message: `found a reference inside the default of \${${name}}, expected a plain default: references are resolved once and never nested`,
      });
      return '';
    }
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (found === '') return '';
    problems.push({
      pointer,
      message: `environment variable ${name} is not set, expected it to be set or a default as \${${name}:-value}`,
    });
    return '';
  });
}

function checkSecret(text: string, pointer: string, problems: EnvProblem[]): void {
  const ref = parseWholeReference(text);
  if (!ref) {
    problems.push({
      pointer,
      message: `found a literal secret, expected a reference to an environment variable such as \${MYSQL_PASSWORD}: secrets are never stored in metadata`,
    });
  } else if (ref.fallback !== undefined && ref.fallback !== '') {
    problems.push({
      pointer,
      message: `found a default value for secret \${${ref.name}}, expected \${${ref.name}} or \${${ref.name}:-} (an empty default): a default would store the secret in metadata`,
    });
  }
}
