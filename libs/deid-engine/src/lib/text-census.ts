/**
 * One pass over a text that answers every "could this detector match at all?" question the sanitizer asks
 * before running it: which marker characters occur, the longest blob runs, digit patterns. Each answer is a
 * necessary condition of the detector it gates (never a sufficient one), so a gate can only skip work that
 * would have found nothing.
 */

// Character flags, one bit each.
export const CH_DOT = 1 << 0;
export const CH_DASH = 1 << 1;
export const CH_COLON = 1 << 2;
export const CH_SLASH = 1 << 3;
export const CH_BACKSLASH = 1 << 4;
export const CH_AT = 1 << 5;
export const CH_LT = 1 << 6;
export const CH_EQUALS = 1 << 7;
export const CH_X = 1 << 8;
/** A character that opens a whole decoded view on its own: `%`, `&`, `[`, `(`, `{` or non-ASCII. */
const CH_VIEW = 1 << 9;
const CH_DIGIT = 1 << 10;
const CH_HEX = 1 << 11;
const CH_BASE64 = 1 << 12;

const CLASS = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const digit = c >= 48 && c <= 57;
  const hex = digit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const base64 =
    hex || (c >= 71 && c <= 90) || (c >= 103 && c <= 122) || c === 43 || c === 47 || c === 95 || c === 45;
  CLASS[c] =
    (c === 46 ? CH_DOT : 0) |
    (c === 45 ? CH_DASH : 0) |
    (c === 58 ? CH_COLON : 0) |
    (c === 47 ? CH_SLASH : 0) |
    (c === 92 ? CH_BACKSLASH : 0) |
    (c === 64 ? CH_AT : 0) |
    (c === 60 ? CH_LT : 0) |
    (c === 61 ? CH_EQUALS : 0) |
    (c === 120 || c === 88 ? CH_X : 0) |
    (c === 37 || c === 38 || c === 91 || c === 40 || c === 123 ? CH_VIEW : 0) |
    (digit ? CH_DIGIT : 0) |
    (hex ? CH_HEX : 0) |
    (base64 ? CH_BASE64 : 0);
}

export interface TextCensus {
  /** CH_* flags of the characters that occur. */
  chars: number;
  colons: number;
  /** Longest run of base64 characters that is not plain hex (hashes are the hex decoder's). */
  base64Run: number;
  /** Longest run of hex digits. */
  hexRun: number;
  digitRun: number;
}

const COLON_SHIFT = 2; // CH_COLON === 1 << COLON_SHIFT
const DIGIT_SHIFT = 10; // CH_DIGIT
const HEX_SHIFT = 11; // CH_HEX
const BASE64_SHIFT = 12; // CH_BASE64

export function takeCensus(text: string): TextCensus {
  let chars = 0;
  let colons = 0;
  let base64Run = 0;
  let hexRun = 0;
  let digitRun = 0;
  // Current run lengths (and whether the base64 run has a non-hex character, 0/1), kept with arithmetic
  // instead of branches: character classes alternate too often in prose for branches to be predicted.
  // Digits are hex digits and hex digits are base64 characters, so the runs nest.
  let b = 0;
  let bNonHex = 0;
  let h = 0;
  let d = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? (CLASS[c] as number) : CH_VIEW;
    chars |= k;
    colons += (k >> COLON_SHIFT) & 1;
    const isB64 = (k >> BASE64_SHIFT) & 1;
    const isHex = (k >> HEX_SHIFT) & 1;
    b = (b + 1) * isB64;
    h = (h + 1) * isHex;
    d = (d + 1) * ((k >> DIGIT_SHIFT) & 1);
    bNonHex = (bNonHex | (isB64 ^ isHex)) & isB64;
    if (h > hexRun) hexRun = h;
    if (d > digitRun) digitRun = d;
    if (b * bNonHex > base64Run) base64Run = b;
  }
  return { chars, colons, base64Run, hexRun, digitRun };
}

/** `\x` or `\X` occurs (escaped hex bytes). */
export function hasEscapedHex(text: string, census: TextCensus): boolean {
  return (census.chars & CH_BACKSLASH) !== 0 && (text.includes('\\x') || text.includes('\\X'));
}

const HXX = /hxx/i;

/** `%`, `&`, `=?`, a defang bracket, `hxx` or non-ASCII: a whole decoded view may apply. */
export function mayHaveWholeView(text: string, census: TextCensus): boolean {
  return (
    (census.chars & CH_VIEW) !== 0 ||
    ((census.chars & CH_EQUALS) !== 0 && text.includes('=?')) ||
    ((census.chars & CH_X) !== 0 && HXX.test(text))
  );
}
