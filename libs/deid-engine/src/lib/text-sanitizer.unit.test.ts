import fc from 'fast-check';
import { looksLikeBase64Bytes } from './text-sanitizer';

/** The expression it replaced; fine on short runs, quadratic on long runs of one case. */
const BACKTRACKING = /[0-9+/]|[A-Z].*[a-z]|[a-z].*[A-Z]/;

describe('looksLikeBase64Bytes', () => {
  it('judges every run of base64 characters as the backtracking expression did', () => {
    const run = fc.string({
      unit: fc.constantFrom(...'ABCXYZabcxyz019+/-_'.split('')),
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(run, (s) => looksLikeBase64Bytes(s) === BACKTRACKING.test(s)),
      { numRuns: 2000 },
    );
  });

  it('tells base64 of bytes from long single-case words, also at the ingestion limit of 256 KiB', () => {
    expect(looksLikeBase64Bytes(Buffer.from('\u0000\u00ffkyoyu').toString('base64'))).toBe(true);
    expect(looksLikeBase64Bytes('Administrator')).toBe(true);
    expect(looksLikeBase64Bytes('a'.repeat(256 * 1024))).toBe(false);
    expect(looksLikeBase64Bytes('A'.repeat(256 * 1024))).toBe(false);
    expect(looksLikeBase64Bytes(`${'a'.repeat(256 * 1024)}B`)).toBe(true);
  });
});
