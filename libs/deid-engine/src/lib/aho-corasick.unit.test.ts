import fc from 'fast-check';
import { AhoCorasick } from './aho-corasick';

const given = (...patterns: string[]): AhoCorasick<string> => {
  const ac = new AhoCorasick<string>();
  for (const p of patterns) ac.add(p, p);
  return ac.build();
};

describe('Aho–Corasick', () => {
  test('finds overlapping and nested patterns in one pass', () => {
    const hits = given('he', 'she', 'his', 'hers')
      .search('ushers')
      .map((m) => [m.payload, m.start, m.end]);
    expect(hits).toEqual([
      ['she', 1, 4],
      ['he', 2, 4],
      ['hers', 2, 6],
    ]);
  });
  test('non-ASCII patterns (kana, kanji) next to ASCII', () => {
    const hits = given('エグザンプル', 'example')
      .search('株式会社エグザンプル / example')
      .map((m) => m.payload);
    expect(hits).toEqual(['エグザンプル', 'example']);
  });
  test('non-ASCII text outside every pattern leads back to the root', () => {
    const hits = given('北辰会', 'corp')
      .search('医療法人北辰会病院 北辰 corp 北辰会')
      .map((m) => [m.payload, m.start]);
    expect(hits).toEqual([
      ['北辰会', 4],
      ['corp', 13],
      ['北辰会', 18],
    ]);
  });
  test('no patterns, no matches', () => {
    expect(new AhoCorasick<string>().search('anything')).toEqual([]);
  });
  test('finds exactly the occurrences a naive search finds (compressed alphabet, characters in no pattern)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '-', '.', 'é', '株'), maxLength: 60 });
    const pattern = fc.string({
      unit: fc.constantFrom('a', 'b', 'c', '.', 'é', '株'),
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.uniqueArray(pattern, { maxLength: 6 }), text, (patterns, t) => {
        const naive: string[] = [];
        for (let end = 1; end <= t.length; end++)
          for (const p of patterns)
            if (t.startsWith(p, end - p.length) && end >= p.length) naive.push(`${p}@${end}`);
        const ac = given(...patterns)
          .search(t)
          .map((m) => `${m.payload}@${m.end}`);
        expect(ac.sort()).toEqual(naive.sort());
      }),
    );
  });
});
