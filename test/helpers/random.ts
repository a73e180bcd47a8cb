/**
 * A seeded PRNG (mulberry32) and hostile-value generators for the fuzz suite.
 * Same seed, same sequence: a failure names its seed and case index and replays exactly.
 */

export interface Rng {
  /** Float in [0, 1). */
  next(): number;
  /** Integer in [min, max], inclusive. */
  int(min: number, max: number): number;
  bool(p?: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bool: (p = 0.5) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}

/** Strings that break naive code: control chars, lone surrogates, RTL, zero-width, emoji, markup. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r ',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31mred\u001b[0m',
  '\u007f\u0085\u009f',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\udc00\ud800',
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  'שלום\u200f',
  '\u200b\u200c\u200d\u2060\ufeff',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈🇺🇳',
  'e\u0301\u0301\u0301\u0301\u0301',
  'Z̸̧̛͚̞a̵̡͎l̴̨̛g̶o̵',
  '\u2028\u2029',
  '\ufffe\uffff',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE users; --",
  '{"$gt": ""}',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  'javascript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD4=',
  'data:image/png;base64,iVBORw0KGgo=',
  'https://example.com/a.png',
  'http://[::1]:80/x',
  'https://user:pass@example.com/' + 'a'.repeat(1990),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
];

const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '$where',
  '$gt',
  'type',
  '',
];

/** A random JSON-able value, biased towards hostile shapes. `depth` bounds recursion. */
export function hostileValue(rng: Rng, depth = 0): unknown {
  const roll = rng.int(0, depth > 2 ? 9 : 14);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick([0, -0, 1, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e-308, 5000, 5001, 128, 129]);
    case 3:
    case 4:
    case 5:
      return rng.pick(NASTY_STRINGS);
    case 6:
      return randomUnicode(rng, rng.int(1, 80));
    case 7:
      return rng
        .pick(['a', '😀', 'é', '\u0000', ' ', '<b>'])
        .repeat(rng.pick([49, 50, 51, 99, 100, 101, 2000, 2001, 4999, 5000, 5001, 20_000]));
    case 8:
      return rng.pick(NASTY_STRINGS) + randomUnicode(rng, rng.int(0, 10));
    case 9:
      return '';
    case 10:
    case 11:
      return Array.from({ length: rng.int(0, 4) }, () => hostileValue(rng, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        Object.defineProperty(obj, rng.pick(KEYS), {
          value: hostileValue(rng, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return obj;
    }
  }
}

/** Random code points from every plane, including surrogate halves and controls. */
export function randomUnicode(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const band = rng.int(0, 5);
    const cp =
      band === 0
        ? rng.int(0, 0x7f)
        : band === 1
          ? rng.int(0x80, 0x7ff)
          : band === 2
            ? rng.int(0xd800, 0xdfff)
            : band === 3
              ? rng.int(0x800, 0xffff)
              : rng.int(0x10000, 0x10ffff);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` levels, as JSON text (too deep to build as a value safely). */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array', inner = '1'): string {
  return kind === 'array'
    ? '['.repeat(depth) + inner + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}
