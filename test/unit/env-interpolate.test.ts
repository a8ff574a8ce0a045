// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${…} references in metadata values
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/metadata/env.js';

describe('interpolate', () => {
  it('resolves references at any depth and names each problem by its own pointer', () => {
    const value = {
      source: { host: '${HOST:-localhost}', password: 'hunter2', port: 3306 },
      tables: [{ columns: [{ name: 'a' }, { name: '${MISSING}' }] }],
    };
    const { value: resolved, problems } = interpolate(value, {});
    expect(resolved).toEqual({
      source: { host: 'localhost', password: 'hunter2', port: 3306 },
      tables: [{ columns: [{ name: 'a' }, { name: '' }] }],
    });
    expect(problems.map((p) => p.pointer)).toEqual(['/source/password', '/tables/0/columns/1/name']);
  });

  it('keeps a key named __proto__ as a plain property, never as the prototype', () => {
    const value = JSON.parse('{"a": {"__proto__": {"polluted": "${X:-yes}"}}}') as unknown;
    const { value: resolved } = interpolate(value, {});
    const a = (resolved as { a: object }).a;
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect((a as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
