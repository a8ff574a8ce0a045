/**
 * A fast reader for the plain YAML metadata files are written in (block mappings and sequences, one-line flow
 * collections, plain and quoted scalars, folded and literal block scalars without blank lines), producing what the
 * `yaml` package's `toJS` produces for them. Anything else, including everything that would be an error or a
 * warning, returns undefined and the caller parses the file with `yaml`, which then also reports the problem.
 *
 * Why: `yaml` builds a document with positions for every node; for a 500-table pipeline that was 0.8–1.2 CPU-s of
 * a generate, this reader about 30 ms. Positions are only needed to print a diagnostic, so yaml-source.ts parses a
 * file with `yaml` only when something about it has to be located. test/unit/yaml-plain.test.ts compares both on
 * every metadata file of the repository and on thousands of generated variants.
 */

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

interface Line {
  readonly indent: number;
  /** the line without its indentation; comment-only and blank lines are left out */
  readonly text: string;
  /** index into the file's lines, so a block scalar can read its raw lines */
  readonly index: number;
}

/** Not in the subset: the caller falls back to the full parser. */
class NotPlain extends Error {}

const fail = (): never => {
  throw new NotPlain();
};

/** The value of the file, or undefined when it is not in the subset (or not valid YAML). */
export function parsePlainYaml(text: string): unknown {
  // no tabs, CR, BOM, control characters, C1 or Unicode line separators: yaml gives each its own meaning
  if (hasSpecialCharacter(text)) return undefined;
  const raw = text.split('\n');
  const lines: Line[] = [];
  for (let index = 0; index < raw.length; index++) {
    const line = raw[index] as string;
    const stripped = line.trimStart();
    if (stripped === '' || stripped.startsWith('#')) continue;
    lines.push({ indent: line.length - stripped.length, text: stripped, index });
  }
  try {
    const reader = new Reader(raw, lines);
    if (lines.length === 0 || (lines[0] as Line).indent !== 0) return undefined;
    const value = reader.block(0);
    return reader.done() ? value : undefined;
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

function hasSpecialCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f)) return true;
    if (code === 0x2028 || code === 0x2029 || code === 0xfeff) return true;
  }
  return false;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_]*):(?: +|$)/;

class Reader {
  #at = 0;
  constructor(
    private readonly raw: readonly string[],
    private readonly lines: readonly Line[],
  ) {}

  done(): boolean {
    return this.#at === this.lines.length;
  }

  #peek(): Line | undefined {
    return this.lines[this.#at];
  }

  /** A block mapping or sequence whose first line is the next one, at exactly `indent`. */
  block(indent: number): Value {
    const first = this.#peek();
    if (first === undefined || first.indent !== indent) return fail();
    return isItem(first.text) ? this.#sequence(indent) : this.#mapping(indent, first.text);
  }

  #mapping(indent: number, firstText: string): Value {
    const map: { [key: string]: Value } = {};
    let text: string | undefined = firstText;
    for (;;) {
      const match = text === undefined ? null : KEY.exec(text);
      if (match === null) return fail();
      const key = match[1] as string;
      if (key in map || key === '__proto__') return fail();
      const rest = (text as string).slice(match[0].length);
      this.#at++;
      map[key] = this.#valueAfter(indent, rest);
      const next = this.#peek();
      if (next === undefined || next.indent < indent) return map;
      if (next.indent > indent) return fail();
      text = next.text;
    }
  }

  #sequence(indent: number): Value {
    const list: Value[] = [];
    for (;;) {
      const line = this.#peek();
      if (line === undefined || line.indent < indent) return list;
      if (line.indent > indent) return fail();
      // a key at the same indentation ends a sequence that lines up with its key (or is an error the caller finds)
      if (!isItem(line.text)) return list;
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.#at++;
        const next = this.#peek();
        list.push(next !== undefined && next.indent > indent ? this.block(next.indent) : fail());
      } else if (KEY.test(rest)) {
        // `- key: value` opens a mapping whose keys line up with `key`
        const column = indent + (line.text.length - rest.length);
        const map = this.#mapping(column, rest);
        list.push(map);
      } else {
        this.#at++;
        list.push(this.#inline(rest, 'block'));
        const next = this.#peek();
        if (next !== undefined && next.indent > indent) return fail();
      }
    }
  }

  /** The value after `key:` on a line of a mapping at `indent` (the line is consumed). */
  #valueAfter(indent: number, rest: string): Value {
    if (rest === '' || rest.startsWith('#')) {
      const next = this.#peek();
      if (next === undefined || next.indent < indent) return null;
      if (next.indent > indent) return this.block(next.indent);
      // a sequence may line up with its key
      return isItem(next.text) ? this.#sequence(indent) : null;
    }
    if (rest[0] === '>' || rest[0] === '|') return this.#blockScalar(indent, rest);
    const value = this.#inline(rest, 'block');
    const next = this.#peek();
    // a more indented line would continue a plain scalar over lines (or be an error)
    if (next !== undefined && next.indent > indent) return fail();
    return value;
  }

  /** `>`, `>-`, `|`, `|-` with every content line at one indentation and no blank line inside. */
  #blockScalar(indent: number, header: string): Value {
    const match = /^([>|])(-?)(?: +#.*)?$/.exec(header);
    if (match === null) return fail();
    const start = (this.lines[this.#at - 1] as Line).index + 1;
    const content: string[] = [];
    let contentIndent = -1;
    let index = start;
    for (; index < this.raw.length; index++) {
      const line = this.raw[index] as string;
      const stripped = line.trimStart();
      const lineIndent = line.length - stripped.length;
      if (stripped === '') {
        if (line !== '') return fail(); // spaces only: yaml may count them as content
        break;
      }
      if (lineIndent <= indent) break;
      if (contentIndent === -1) contentIndent = lineIndent;
      if (lineIndent !== contentIndent || line !== line.trimEnd()) return fail();
      content.push(stripped);
    }
    // no line break after the last line (end of file) would drop the kept newline: left to yaml
    if (content.length === 0 || index === this.raw.length) return fail();
    // blank lines may follow (they end it); any further line of the block would be a blank line inside it
    for (; index < this.raw.length; index++) {
      const line = this.raw[index] as string;
      if (line === '') continue;
      if (line.length - line.trimStart().length > indent) return fail();
      break;
    }
    while (this.#peek() !== undefined && (this.#peek() as Line).index < index) this.#at++;
    const joined = content.join(match[1] === '>' ? ' ' : '\n');
    return match[2] === '-' ? joined : `${joined}\n`;
  }

  /** A scalar or one-line flow collection, followed only by spaces and a comment. */
  #inline(text: string, context: 'block'): Value {
    const scan = new Scan(text);
    const value = scan.value(context);
    scan.end();
    return value;
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Scans one line's value: quoted scalars, flow collections, plain scalars. */
class Scan {
  #at = 0;
  constructor(private readonly text: string) {}

  value(context: 'block' | 'flow'): Value {
    const ch = this.text[this.#at];
    if (ch === '"') return this.#doubleQuoted();
    if (ch === "'") return this.#singleQuoted();
    if (ch === '[') return this.#flowSequence();
    if (ch === '{') return this.#flowMapping();
    return this.#plain(context);
  }

  /** Only spaces and a comment may follow a value on its line. */
  end(): void {
    const rest = this.text.slice(this.#at);
    if (rest.trim() !== '' && !/^ +#/.test(rest)) fail();
  }

  #spaces(): void {
    while (this.text[this.#at] === ' ') this.#at++;
  }

  #doubleQuoted(): Value {
    const close = this.text.indexOf('"', this.#at + 1);
    if (close === -1) return fail();
    const body = this.text.slice(this.#at + 1, close);
    if (body.includes('\\')) return fail(); // escapes are left to yaml
    this.#at = close + 1;
    return body;
  }

  #singleQuoted(): Value {
    let out = '';
    let i = this.#at + 1;
    for (;;) {
      const close = this.text.indexOf("'", i);
      if (close === -1) return fail();
      out += this.text.slice(i, close);
      if (this.text[close + 1] !== "'") {
        this.#at = close + 1;
        return out;
      }
      out += "'";
      i = close + 2;
    }
  }

  #flowSequence(): Value {
    const list: Value[] = [];
    this.#at++;
    this.#spaces();
    if (this.text[this.#at] === ']') {
      this.#at++;
      return list;
    }
    for (;;) {
      list.push(this.value('flow'));
      this.#spaces();
      const ch = this.text[this.#at++];
      if (ch === ']') return list;
      if (ch !== ',') return fail();
      this.#spaces();
      if (this.text[this.#at] === ']') return fail(); // trailing comma: left to yaml
    }
  }

  #flowMapping(): Value {
    const map: { [key: string]: Value } = {};
    this.#at++;
    this.#spaces();
    if (this.text[this.#at] === '}') {
      this.#at++;
      return map;
    }
    for (;;) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*): +/.exec(this.text.slice(this.#at));
      if (match === null) return fail();
      const key = match[1] as string;
      if (key in map || key === '__proto__') return fail();
      this.#at += match[0].length;
      map[key] = this.value('flow');
      this.#spaces();
      const ch = this.text[this.#at++];
      if (ch === '}') return map;
      if (ch !== ',') return fail();
      this.#spaces();
      if (this.text[this.#at] === '}') return fail();
    }
  }

  /**
   * A plain scalar: in a flow collection up to `,` `]` `}` and without `:` or `#`; in block context up to a ` #`
   * comment and without `: ` or a trailing `:` (either would make a mapping).
   */
  #plain(context: 'block' | 'flow'): Value {
    const rest = this.text.slice(this.#at);
    let body: string;
    if (context === 'flow') {
      const match = /^[^,\][{}:#"']*/.exec(rest) as RegExpExecArray;
      body = match[0].trimEnd();
      this.#at += match[0].length;
    } else {
      const comment = rest.search(/ #/);
      body = (comment === -1 ? rest : rest.slice(0, comment)).trimEnd();
      this.#at += comment === -1 ? rest.length : comment;
      if (body.includes(': ') || body.endsWith(':')) return fail();
    }
    // an indicator first (or nothing) gives the text another meaning
    if (body === '' || /^[-?:,[\]{}#&*!|>'"%@`]/.test(body)) return fail();
    return resolvePlain(body);
  }
}

/**
 * YAML 1.2 core schema resolution of a plain scalar, as `yaml` does it: null, booleans, decimal integers; any
 * other text that could be a number or a special value (starts with a digit, sign or dot) is left to yaml.
 */
function resolvePlain(text: string): Value {
  if (text === 'null' || text === 'Null' || text === 'NULL' || text === '~') return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (/^[0-9]{1,15}$/.test(text)) return Number(text);
  if (/^[-+.0-9]/.test(text)) return fail();
  return text;
}
