/**
 * The scorer's own decoders: deliberately plain and separate from the engine and its egress guard, so the
 * measurement does not share a blind spot with what it measures. Over-decoding is fine here (a false leak
 * is investigated); under-decoding is not.
 */
import { domainToUnicode } from 'node:url';
import { gunzipSync } from 'node:zlib';

const MAX_VIEWS = 256;

function printable(t: string): boolean {
  if (t.length === 0) return false;
  let bad = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) bad++;
  }
  return bad / t.length < 0.15;
}

/** Readable texts a byte string may hold: UTF-8, UTF-16LE, either inside gzip. */
export function bytesToTexts(b: Buffer): string[] {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      return bytesToTexts(gunzipSync(b, { maxOutputLength: 4 << 20 }));
    } catch {
      return [];
    }
  }
  const out: string[] = [];
  const u8 = b.toString('utf8');
  if (printable(u8)) out.push(u8);
  if (b.length >= 2) {
    const u16 = b.subarray(0, b.length - (b.length % 2)).toString('utf16le');
    if (printable(u16)) out.push(u16);
  }
  return out;
}

function urlDecodeOnce(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

function htmlDecode(s: string): string {
  return s
    .replace(/&#x([0-9a-fA-F]{1,6});?/g, (_m, h: string) => cp(parseInt(h, 16)))
    .replace(/&#(\d{1,7});?/g, (_m, d: string) => cp(Number(d)))
    .replace(
      /&(amp|lt|gt|quot|apos|commat|period|sol|bsol|colon|nbsp);/gi,
      (_m, n: string) => ENT[n.toLowerCase()] ?? '',
    );
}
const ENT: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  commat: '@',
  period: '.',
  sol: '/',
  bsol: '\\',
  colon: ':',
  nbsp: ' ',
};
function cp(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

function mimeDecode(s: string): string {
  return s.replace(/=\?([^?\s]+)\?([bqBQ])\?([^?\s]*)\?=/g, (all, cs: string, enc: string, body: string) => {
    const bytes =
      enc.toLowerCase() === 'b'
        ? Buffer.from(body, 'base64')
        : Buffer.from(
            body
              .replace(/_/g, ' ')
              .replace(/=([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    try {
      return new TextDecoder(cs).decode(bytes);
    } catch {
      return all;
    }
  });
}

function refang(s: string): string {
  return s
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/hxxp/gi, 'http');
}

function unpuny(s: string): string {
  return s.replace(/[a-z0-9.-]*xn--[a-z0-9.-]*/gi, (d) => domainToUnicode(d) || d);
}

function jsonUnescape(s: string): string {
  return s
    .replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\\\/g, '\\');
}

/** Substrings that decode as base64/base64url or hex into readable text. */
function blobTexts(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/[A-Za-z0-9+/_-]{12,}={0,2}/g)) {
    const run = m[0];
    // Every alignment: a blob glued to a word or a path keeps its payload at some offset.
    for (let off = 0; off < 4 && run.length - off >= 12; off++) {
      const seg = run.slice(off);
      for (const enc of ['base64', 'base64url'] as const) out.push(...bytesToTexts(Buffer.from(seg, enc)));
    }
  }
  for (const m of s.matchAll(/(?:\\x[0-9a-fA-F]{2}){4,}|(?:[0-9a-fA-F]{2}){6,}/g)) {
    out.push(...bytesToTexts(Buffer.from(m[0].replace(/\\x/g, ''), 'hex')));
    if (m[0].length % 2 === 0 && !m[0].startsWith('\\'))
      out.push(...bytesToTexts(Buffer.from(m[0].slice(1, -1), 'hex')));
  }
  return out;
}

/** Every decoded view of a text (the text itself included), recursively to `depth`, NFKC-folded and lower-cased. */
export function decodedViews(text: string, depth = 3): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (t: string, d: number): void => {
    if (seen.has(t) || seen.size >= MAX_VIEWS) return;
    seen.add(t);
    out.push(t.normalize('NFKC').toLowerCase());
    if (d <= 0) return;
    const next = new Set<string>();
    const steps = [
      urlDecodeOnce,
      htmlDecode,
      mimeDecode,
      refang,
      unpuny,
      jsonUnescape,
      (v: string) => v.normalize('NFKC'),
    ];
    let chained = t;
    for (const f of steps) {
      const v = f(t);
      if (v !== t) next.add(v);
      chained = f(chained);
    }
    if (chained !== t) next.add(chained);
    for (const b of blobTexts(t)) next.add(b);
    for (const v of next) visit(v, d - 1);
  };
  visit(text, depth);
  return out;
}
