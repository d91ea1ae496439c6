/**
 * The egress guard's substring search: every needle found in one pass over the text, by the needles' first
 * two code units (a hashed bigram filter, then `startsWith` on the few needles whose bigram hashes there).
 * Part of the guard's own implementation, deliberately unrelated to the engine's automaton.
 */

const FILTER_SIZE = 4096;

export interface NeedleIndex {
  /** One byte per hashed bigram: most positions of a text are passed over after one typed-array read. */
  readonly filter: Uint8Array;
  /**
   * Needle positions (ascending) by hashed bigram, an array indexed like `filter`: common bigrams of a
   * needle (`co`, `ev`) recur all over a payload, and a Map lookup at each cost more than the rest of the
   * scan. Needles whose bigrams collide share a list; `startsWith` tells them apart.
   */
  readonly bySlot: ReadonlyArray<readonly number[] | undefined>;
  /** Needles shorter than two code units: no bigram, searched one by one. */
  readonly short: readonly number[];
}

function bigramHash(a: number, b: number): number {
  return (a * 31 + b) & (FILTER_SIZE - 1);
}

export function buildNeedleIndex(values: readonly string[]): NeedleIndex {
  const filter = new Uint8Array(FILTER_SIZE);
  const bySlot: Array<number[] | undefined> = new Array<number[] | undefined>(FILTER_SIZE).fill(undefined);
  const short: number[] = [];
  values.forEach((v, j) => {
    if (v.length < 2) {
      short.push(j);
      return;
    }
    const slot = bigramHash(v.charCodeAt(0), v.charCodeAt(1));
    filter[slot] = 1;
    (bySlot[slot] ??= []).push(j);
  });
  return { filter, bySlot, short };
}

/**
 * Costs (instructions under cachegrind) that choose between the index's pass and one native substring search
 * per needle: the pass costs the same at every character, a search a fixed amount per needle plus about one
 * per character. A customer's score of needles in a whole payload is found sooner one by one; a registry's
 * thousands (fan-out's guard) or a short view by the pass, whose cost does not grow with the needles.
 */
const PASS_COST_PER_CHAR = 48;
const SEARCH_COST_PER_NEEDLE = 500;

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
  if (values.length * (SEARCH_COST_PER_NEEDLE + t.length) < PASS_COST_PER_CHAR * t.length) {
    for (let j = 0; j < values.length; j++) searchNeedle(t, values, j, accept, found);
    return;
  }
  for (const j of index.short) searchNeedle(t, values, j, accept, found);
  const { filter, bySlot } = index;
  const n = t.length;
  let a = n > 0 ? t.charCodeAt(0) : 0;
  for (let i = 0; i + 1 < n; i++) {
    const b = t.charCodeAt(i + 1);
    const slot = bigramHash(a, b);
    if (filter[slot] === 1)
      for (const j of bySlot[slot] as readonly number[])
        if (!found[j] && t.startsWith(values[j] as string, i) && accept(j, i)) found[j] = 1;
    a = b;
  }
}

/** Needle j's occurrences, in order, until one is accepted. */
function searchNeedle(
  t: string,
  values: readonly string[],
  j: number,
  accept: (j: number, at: number) => boolean,
  found: Uint8Array,
): void {
  const v = values[j] as string;
  for (let at = t.indexOf(v); at >= 0 && !found[j]; at = t.indexOf(v, at + 1))
    if (accept(j, at)) found[j] = 1;
}
