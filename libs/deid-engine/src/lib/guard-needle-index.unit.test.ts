import fc from 'fast-check';
import { buildNeedleIndex, markNeedles } from './guard-needle-index';

/** The plain search the index replaces: one indexOf walk per needle. */
function naive(t: string, values: string[], accept: (j: number, at: number) => boolean): number[] {
  const out: number[] = [];
  values.forEach((v, j) => {
    for (let at = t.indexOf(v); at >= 0; at = t.indexOf(v, at + 1))
      if (accept(j, at)) {
        out.push(j);
        break;
      }
  });
  return out;
}

function indexed(t: string, values: string[], accept: (j: number, at: number) => boolean): number[] {
  const found = new Uint8Array(values.length);
  markNeedles(t, values, buildNeedleIndex(values), accept, found);
  return values.map((_v, j) => j).filter((j) => found[j] === 1);
}

describe('guard needle index', () => {
  test('finds every needle and only those (shared bigrams, short needles, overlaps)', () => {
    const values = ['acme', 'acme corp', 'ac', 'x', 'me c', '青葉'];
    const all = (): boolean => true;
    expect(indexed('the acme corp, 青葉精工', values, all)).toEqual([0, 1, 2, 4, 5]);
    expect(indexed('nothing here', values, all)).toEqual([]);
  });

  test('a needle rejected at one place is still found at another', () => {
    const t = 'acmeco acme';
    const onlyAfterStart = (_j: number, at: number): boolean => at > 0;
    expect(indexed(t, ['acme'], onlyAfterStart)).toEqual([0]);
    expect(indexed('acme', ['acme'], onlyAfterStart)).toEqual([]);
  });

  test('agrees with a plain indexOf search', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', ' ', '.', '青', 'x');
    const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 8 }),
        fc.array(alphabet, { maxLength: 40 }).map((cs) => cs.join('')),
        fc.nat(5),
        (values, t, modulo) => {
          const accept = (j: number, at: number): boolean => (j + at) % (modulo + 1) !== 1;
          expect(indexed(t, values, accept)).toEqual(naive(t, values, accept));
        },
      ),
    );
  });

  // Long texts are searched needle by needle, short ones by the index's pass: both find the same.
  test('agrees with a plain indexOf search on texts long enough to be searched needle by needle', () => {
    const alphabet = fc.constantFrom('a', 'b', ' ', '.', '青');
    const word = fc.array(alphabet, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 12 }),
        fc.array(alphabet, { minLength: 100, maxLength: 300 }).map((cs) => cs.join('')),
        fc.nat(5),
        (values, t, modulo) => {
          const accept = (j: number, at: number): boolean => (j * 7 + at) % (modulo + 2) !== 1;
          expect(indexed(t, values, accept)).toEqual(naive(t, values, accept));
        },
      ),
    );
  });
});
