/** Script detection of names (src/model/name-checks.ts): the ASCII shortcut must say what the Unicode tests say. */
import { describe, expect, it } from 'vitest';
import { mixedScriptProblem, scriptsOf } from '../../src/model/name-checks.js';

/** The per-character statement, for ASCII: a letter, mark or digit that is not Common or Inherited is Latin. */
function latinOrNothing(name: string): string[] {
  const specific = [...name].some(
    (ch) => /^[\p{L}\p{M}\p{N}]$/u.test(ch) && !/^[\p{Script=Common}\p{Script=Inherited}]$/u.test(ch),
  );
  return specific ? ['Latin'] : [];
}

describe('scriptsOf', () => {
  it('gives, for every ASCII character alone and after a letter, what the Unicode property tests give', () => {
    for (let code = 0; code < 128; code++) {
      for (const name of [String.fromCharCode(code), `_${String.fromCharCode(code)}9`]) {
        expect(scriptsOf(name), JSON.stringify(name)).toEqual(latinOrNothing(name));
      }
    }
  });

  it('still tells scripts apart once a name leaves ASCII', () => {
    expect(scriptsOf('pаyments')).toEqual(['Latin', 'Cyrillic']);
    expect(mixedScriptProblem('pаyments')).toMatch(/mixing Latin and Cyrillic letters/);
    expect(scriptsOf('顧客_orders')).toEqual(['Han', 'Latin']);
    expect(mixedScriptProblem('payments_2026')).toBeUndefined();
  });
});
