/**
 * The one place where snowstage turns names and values into Python source text (generated Airflow DAGs), as
 * src/sql/quote.ts does for SQL. The DAG template gets only strings produced here.
 */

/** Python 3 hard keywords (soft keywords such as match and type are valid names). */
const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

const SHORT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * A double-quoted Python str literal that evaluates to exactly `value`, written in printable ASCII only: every
 * other code point becomes \xHH, \uHHHH or \UHHHHHHHH. Python does not join two \u surrogate escapes into one
 * character (JSON does), so characters beyond U+FFFF take the 8-digit form; a lone surrogate keeps its \u form.
 */
export function pythonString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code < 0x100) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `"${out}"`;
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

/**
 * Text for an Airflow templated field (bash_command, sql, command): Airflow renders those with Jinja before use,
 * so a `{{`, `{%` or `{#` inside a name would run as a template. Every `{` becomes the Jinja expression
 * `{{ '{' }}`, which renders back to `{`; nothing else starts a Jinja construct (line statements are off in
 * Airflow). Jinja also rewrites CR and CRLF in template text to LF and drops one trailing newline, so CR and LF
 * are written as expressions too (`{{ '\n' }}`: Jinja decodes backslash escapes in its string literals). The
 * rendered text then equals `value` exactly.
 */
export function jinjaInert(value: string): string {
  return value.replaceAll('{', "{{ '{' }}").replaceAll('\r', "{{ '\\r' }}").replaceAll('\n', "{{ '\\n' }}");
}

/**
 * A Python identifier / Airflow task_id made of a fixed prefix and a table name: `extract_` + `books`. Table
 * names are already [a-z][a-z0-9_]* (schema and model), so distinct names give distinct ids and the prefix keeps
 * every id off the keyword list; anything else is refused rather than mangled, since mangling could collide.
 */
export function pythonName(prefix: string, name: string): string {
  const id = `${prefix}${name}`;
  if (!/^[a-z][a-z0-9_]*$/.test(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(id) || PYTHON_KEYWORDS.has(id))
    throw new Error(`"${name}" cannot be used in a Python identifier, expected [a-z][a-z0-9_]*`);
  return id;
}

/** A dotted import path such as acme.alerts.notify: each part an identifier and no keyword. */
export function isDottedPath(path: string): boolean {
  const parts = path.split('.');
  return (
    parts.length >= 2 && parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) && !PYTHON_KEYWORDS.has(p))
  );
}

/**
 * A POSIX shell word: single-quoted unless it is made only of characters no shell treats specially.
 * An embedded `'` closes the quote, adds an escaped quote and reopens it.
 */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_./=:@%+-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Text for a `#` comment: Python ends a comment at CR or LF and rejects NUL, so control characters become spaces. */
export function pythonCommentText(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
}
