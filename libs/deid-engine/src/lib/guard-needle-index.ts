/**
 * The egress guard's substring search: every needle found in one pass over the text, by the needles' first
 * two code units (a hashed bigram filter, then `startsWith` on the few needles sharing the bigram). Part of
 * the guard's own implementation, deliberately unrelated to the engine's automaton.
 */

const FILTER_SIZE = 4096;

export interface NeedleIndex {
  /** One byte per hashed bigram: most positions of a text are passed over after one typed-array read. */
  readonly filter: Uint8Array;
  /** Needle positions (ascending) by exact bigram. */
  readonly byBigram: ReadonlyMap<number, readonly number[]>;
  /** Needles shorter than two code units: no bigram, searched one by one. */
  readonly short: readonly number[];
}

function bigramHash(a: number, b: number): number {
  return (a * 31 + b) & (FILTER_SIZE - 1);
}

export function buildNeedleIndex(values: readonly string[]): NeedleIndex {
  const filter = new Uint8Array(FILTER_SIZE);
  const byBigram = new Map<number, number[]>();
  const short: number[] = [];
  values.forEach((v, j) => {
    if (v.length < 2) {
      short.push(j);
      return;
    }
    const a = v.charCodeAt(0);
    const b = v.charCodeAt(1);
    filter[bigramHash(a, b)] = 1;
    const key = a * 65536 + b;
    const list = byBigram.get(key);
    if (list) list.push(j);
    else byBigram.set(key, [j]);
  });
  return { filter, byBigram, short };
}

/**
 * Marks `found[j]` for every needle j that occurs in `t` at a position `accept(j, at)` agrees with. A needle
 * already marked is not tested again.
 */
export function markNeedles(
  t: string,
  values: readonly string[],
  index: NeedleIndex,
  accept: (j: number, at: number) => boolean,
  found: Uint8Array,
): void {
  for (const j of index.short) {
    const v = values[j] as string;
    for (let at = t.indexOf(v); at >= 0 && !found[j]; at = t.indexOf(v, at + 1))
      if (accept(j, at)) found[j] = 1;
  }
  const { filter, byBigram } = index;
  const n = t.length;
  let a = n > 0 ? t.charCodeAt(0) : 0;
  for (let i = 0; i + 1 < n; i++) {
    const b = t.charCodeAt(i + 1);
    if (filter[bigramHash(a, b)] === 1) {
      const list = byBigram.get(a * 65536 + b);
      if (list)
        for (const j of list)
          if (!found[j] && t.startsWith(values[j] as string, i) && accept(j, i)) found[j] = 1;
    }
    a = b;
  }
}
