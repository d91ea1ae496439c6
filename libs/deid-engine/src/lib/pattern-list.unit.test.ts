import { AhoCorasick } from './aho-corasick';
import { PatternList } from './pattern-list';

/** The list must report exactly what the automaton reports, in the same order. */
function both(patterns: Array<[string, string]>, text: string) {
  const list = new PatternList<string>();
  const ac = new AhoCorasick<string>();
  for (const [p, payload] of patterns) {
    list.add(p, payload);
    ac.add(p, payload);
  }
  ac.build();
  return { list: list.search(text), automaton: ac.search(text) };
}

describe('PatternList', () => {
  it('finds overlapping, nested and repeated patterns in the automaton order', () => {
    const r = both(
      [
        ['host-01', 'host'],
        ['st-0', 'part'],
        ['aa', 'double'],
        ['host-01', 'user'],
        ['a', 'single'],
      ],
      'xx host-01 aaa host-01.corp',
    );
    expect(r.list).toEqual(r.automaton);
    expect(r.list.filter((m) => m.payload === 'double')).toHaveLength(2);
  });

  it('agrees with the automaton on random texts over a small alphabet', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (len: number) => Array.from({ length: len }, () => 'abc.-'[rand(5)]).join('');
    for (let round = 0; round < 300; round++) {
      const patterns = Array.from({ length: 1 + rand(8) }, (_, i): [string, string] => [
        word(1 + rand(4)),
        `p${i}`,
      ]);
      const text = word(rand(60));
      const r = both(patterns, text);
      expect(r.list).toEqual(r.automaton);
    }
  });

  it('ignores empty patterns and finds nothing in an empty text', () => {
    const list = new PatternList<string>();
    list.add('', 'empty');
    list.add('x', 'x');
    expect(list.size).toBe(1);
    expect(list.search('')).toEqual([]);
  });
});
