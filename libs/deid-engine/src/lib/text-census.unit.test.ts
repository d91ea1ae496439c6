import fc from 'fast-check';
import { CH_COLON, CH_DOT, CH_X, hasEscapedHex, mayHaveWholeView, takeCensus } from './text-census';

function longest(text: string, run: RegExp, keep: (r: string) => boolean = () => true): number {
  return Math.max(
    0,
    ...[...text.matchAll(run)]
      .map((m) => m[0])
      .filter(keep)
      .map((r) => r.length),
  );
}

describe('text census', () => {
  test('measures the runs and marks the characters it gates on', () => {
    const c = takeCensus('ip 10.1.2.3 at 12:00:01, hash deadbeefdeadbeef, blob QUJD+ZGVm/Z2hp');
    expect(c.digitRun).toBe(2);
    expect(c.hexRun).toBe(16);
    expect(c.base64Run).toBe(14);
    expect(c.colons).toBe(2);
    expect(c.chars & CH_DOT).not.toBe(0);
    expect(c.chars & CH_COLON).not.toBe(0);
    expect(c.chars & CH_X).toBe(0);
  });

  test('agrees with the regular expressions it stands in for', () => {
    const alphabet = fc.constantFrom(
      'a',
      'G',
      'f',
      '0',
      '9',
      '+',
      '/',
      '_',
      '-',
      ' ',
      ':',
      '\\',
      'x',
      'X',
      'h',
      '=',
      '?',
      '%',
      '&',
      '(',
      'é',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((cs) => cs.join('')),
        (text) => {
          const c = takeCensus(text);
          expect(c.digitRun).toBe(longest(text, /\d+/g));
          expect(c.hexRun).toBe(longest(text, /[0-9a-f]+/gi));
          expect(c.base64Run).toBe(longest(text, /[A-Za-z0-9+/_-]+/g, (r) => !/^[0-9a-fA-F]+$/.test(r)));
          expect(c.colons).toBe(text.split(':').length - 1);
          expect(hasEscapedHex(text, c)).toBe(/\\x/i.test(text));
          expect(mayHaveWholeView(text, c)).toBe(/[\u0080-\uffff]|[%&[({]|=\?|hxx/i.test(text));
        },
      ),
    );
  });
});
