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
  test('no patterns, no matches', () => {
    expect(new AhoCorasick<string>().search('anything')).toEqual([]);
  });
});
