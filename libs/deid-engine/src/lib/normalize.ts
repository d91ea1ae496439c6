import { domainToASCII, domainToUnicode } from 'node:url';

/** Case-fold and compatibility-normalise (full-width Latin, half-width kana) for dictionary keys. */
const NON_ASCII = /[\u0080-\uffff]/;

/** NFKC then lower case; ASCII is its own NFKC form, so only other text pays for ICU. */
export function canon(s: string): string {
  return (NON_ASCII.test(s) ? s.normalize('NFKC') : s).toLowerCase();
}

/** Lower-case without changing the length, so match offsets stay valid in the original text. */
export function lowerSameLength(s: string): string {
  const l = s.toLowerCase();
  if (l.length === s.length) return l;
  let out = '';
  for (const ch of s) {
    const c = ch.toLowerCase();
    out += c.length === ch.length ? c : ch;
  }
  return out;
}

// IDNA conversion is costly and the same domains recur alert after alert: a bounded memo of a pure function.
const formsMemo = new Map<string, string[]>();

/** Both forms of a (possibly internationalised) domain name, lower-cased. */
export function domainForms(d: string): string[] {
  let forms = formsMemo.get(d);
  if (!forms) {
    forms = computeDomainForms(d);
    if (formsMemo.size >= 10_000) formsMemo.clear();
    formsMemo.set(d, forms);
  }
  return forms;
}

function computeDomainForms(d: string): string[] {
  const base = canon(d.trim().replace(/\.$/, ''));
  if (!base) return [];
  const out = new Set<string>([base]);
  const ascii = domainToASCII(base);
  if (ascii) out.add(ascii.toLowerCase());
  const uni = domainToUnicode(ascii || base);
  if (uni) out.add(uni.toLowerCase());
  return [...out];
}

export function isAsciiWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

// Multi-label public suffixes common in our customer base; anything else is treated as a one-label TLD.
const SECOND_LEVEL = new Set([
  'co.jp',
  'ne.jp',
  'or.jp',
  'ac.jp',
  'go.jp',
  'ad.jp',
  'ed.jp',
  'gr.jp',
  'lg.jp',
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'com.cn',
  'com.tw',
  'co.kr',
  'com.sg',
  'com.hk',
  'co.in',
  'com.br',
  'co.za',
]);

/** `mail.corp.example.co.jp` → { label: 'example', registrable: 'example.co.jp' }. */
export function registrable(domain: string): { label: string; registrable: string } | null {
  const lower = domain.toLowerCase();
  // The last three non-empty labels are all the answer needs: the rest of the name is not split.
  const labels = lastLabels(lower.endsWith('.') ? lower.slice(0, -1) : lower, 3);
  if (labels.length < 2) return null;
  const last2 = `${labels[labels.length - 2]}.${labels[labels.length - 1]}`;
  const reg = SECOND_LEVEL.has(last2) && labels.length >= 3 ? labels : labels.slice(-2);
  return { label: reg[0] as string, registrable: reg.join('.') };
}

/** Up to `max` non-empty dot-separated labels from the end of `name`, in order. */
function lastLabels(name: string, max: number): string[] {
  const out: string[] = [];
  let end = name.length;
  while (end > 0 && out.length < max) {
    const dot = name.lastIndexOf('.', end - 1);
    if (dot + 1 < end) out.unshift(name.slice(dot + 1, end));
    end = dot < 0 ? 0 : dot;
  }
  return out;
}

const LEGAL_FORMS = [
  '株式会社',
  '(株)',
  '（株）',
  '㈱',
  '有限会社',
  '合同会社',
  '一般社団法人',
  '公益財団法人',
  '一般財団法人',
  ' co., ltd.',
  ' co.,ltd.',
  ' co. ltd.',
  ' co ltd',
  ' corporation',
  ' corp.',
  ' corp',
  ' inc.',
  ' inc',
  ' k.k.',
  ' kk',
  ' ltd.',
  ' ltd',
  ' limited',
  ' holdings',
  ' group',
  ',',
];

/** A name and the variants people write: without legal form, without spaces. */
export function nameVariants(name: string): string[] {
  const base = canon(name).trim();
  const out = new Set<string>([base]);
  let stripped = base;
  for (let changed = true; changed;) {
    changed = false;
    for (const f of LEGAL_FORMS) {
      const ff = canon(f);
      if (stripped.endsWith(ff)) {
        stripped = stripped.slice(0, -ff.length).trim();
        changed = true;
      }
      if (stripped.startsWith(ff.trim())) {
        stripped = stripped.slice(ff.trim().length).trim();
        changed = true;
      }
    }
  }
  if (stripped.length >= 3 || /[\u0080-\uffff]/.test(stripped)) out.add(stripped);
  for (const v of [...out]) if (v.includes(' ')) out.add(v.replace(/\s+/g, ''));
  return [...out].filter((v) => v.length >= 2);
}
