/**
 * A parsed YAML file that remembers where every value came from, so any problem found later (schema,
 * semantics) can point at file:line:col.
 */
import type { Node } from 'yaml';
import { yamlPackage as yaml } from '../lazy-packages.js';
import { type Diagnostic, parsePointer } from './diagnostics.js';
import { parseYamlFast } from './yaml-fast.js';

export interface YamlSource {
  /** path shown in diagnostics, relative to the working directory */
  readonly file: string;
  readonly value: unknown;
  /** 1-based line and column of the value at a JSON pointer (or of its nearest existing parent) */
  locate(pointer: string): { line: number; column: number };
  /** a diagnostic at the value the pointer names */
  at(pointer: string, message: string): Diagnostic;
}

export function parseYamlSource(file: string, text: string): { source: YamlSource; problems: Diagnostic[] } {
  const plain = parseYamlFast(text);
  if (plain !== undefined) {
    // positions only when a diagnostic needs one: the full parse is most of the cost of loading metadata
    let located: YamlSource | undefined;
    const locate = (pointer: string) => {
      located ??= parseYamlWithPositions(file, text).source;
      return located.locate(pointer);
    };
    const source: YamlSource = {
      file,
      value: plain,
      locate,
      at: (pointer, message) => ({ file, pointer, message, ...locate(pointer) }),
    };
    return { source, problems: [] };
  }
  return parseYamlWithPositions(file, text);
}

/** The `yaml` package's parse with positions, errors and warnings (every file yaml-fast leaves to it). */
export function parseYamlWithPositions(
  file: string,
  text: string,
): { source: YamlSource; problems: Diagnostic[] } {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positionOf = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (pointer: string) => {
    const node = nodeAt(doc.contents, parsePointer(pointer));
    return positionOf(node?.range?.[0] ?? 0);
  };
  const source: YamlSource = {
    file,
    value: doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }),
    locate,
    at: (pointer, message) => ({ file, pointer, message, ...locate(pointer) }),
  };
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    pointer: '',
    message: `YAML: ${e.message.split('\n')[0] ?? e.message}`,
    ...positionOf(e.pos[0]),
  }));
  return { source, problems };
}

/** Walks maps and sequences by pointer segments; stops at the deepest node that exists. */
function nodeAt(root: Node | null, segments: readonly string[]): Node | null {
  let node: Node | null = root;
  for (const segment of segments) {
    const next = childOf(node, segment);
    if (next === undefined) return node;
    node = next;
  }
  return node;
}

function childOf(node: Node | null, segment: string): Node | null | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
    if (!pair) return undefined;
    return (pair.value as Node | null) ?? (pair.key as Node);
  }
  if (isSeq(node)) {
    const item = node.items[Number(segment)];
    return item === undefined ? undefined : (item as Node | null);
  }
  return undefined;
}
