import { describe, expect, it } from 'vitest';
import { normalize } from '../../src/render/render.js';

/** The plain statement of what normalize does: the one-scan version must give the same text for every input. */
function reference(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return `${lines
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/** A deterministic pseudo-random generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '\n',
  '\n',
  '\n',
  ' ',
  '  ',
  '\t',
  '\r',
  '\r\n',
  'a',
  'SELECT 1;',
  '\u00a0',
  '\u2028',
  '\v',
  'x y',
];

describe('normalize', () => {
  it('matches the split/trimEnd/join statement on generated texts', () => {
    const next = random(13);
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(next() * 24);
      let text = '';
      for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      expect(normalize(text), JSON.stringify(text)).toBe(reference(text));
    }
  });

  it('keeps one blank line of a run and drops trailing spaces', () => {
    expect(normalize('\n  a  \n\n \n\t\nb\r\n\r\n\r\n  c\t\n\n')).toBe('a\n\nb\n\n  c\n');
  });
});
