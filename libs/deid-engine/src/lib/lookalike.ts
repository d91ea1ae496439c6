import { domainToUnicode } from 'node:url';
import type { CompiledCustomer } from './compile';
import { registrable } from './normalize';

// Confusables folded to one skeleton character (a subset of Unicode TR39 for Latin, Cyrillic, Greek, digits).
const CONFUSABLE: Record<string, string> = {
  '0': 'o',
  '1': 'l',
  i: 'l',
  '|': 'l',
  '3': 'e',
  '5': 's',
  '@': 'a',
  $: 's',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'l',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  һ: 'h',
  ӏ: 'l',
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  τ: 't',
  ι: 'l',
  κ: 'k',
  ε: 'e',
  υ: 'u',
  ı: 'l',
  ł: 'l',
  ø: 'o',
  ß: 'b',
};

export function skeleton(label: string): string {
  let s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  s = s.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/cl/g, 'd');
  let out = '';
  for (const ch of s) out += CONFUSABLE[ch] ?? ch;
  return out.replace(/-/g, '');
}

export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/** True when `domain` imitates one of the customer's domains or brands (but is not one of them). */
export function isLookalike(domain: string, c: CompiledCustomer): boolean {
  const lower = domain.toLowerCase();
  const d = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  const memo = c.lookalikeMemo.get(d);
  if (memo !== undefined) return memo;
  const verdict = check(d, c);
  if (c.lookalikeMemo.size > 50_000) c.lookalikeMemo.clear();
  c.lookalikeMemo.set(d, verdict);
  return verdict;
}

function check(d: string, c: CompiledCustomer): boolean {
  const uni = d.includes('xn--') ? domainToUnicode(d) || d : d;
  const r = registrable(uni);
  if (!r) return false;
  if (c.registrables.has(r.registrable) || c.registrables.has(registrable(d)?.registrable ?? ''))
    return false;
  const candLabel = r.label;
  const candSkel = skeleton(candLabel);
  const whole = uni.replace(/[^\p{L}\p{N}]/gu, '');
  const wholeSkel = skeleton(whole);
  for (const v of c.lookalikeLabels) {
    if (candLabel === v) return true; // same name, other suffix
    const vs = skeleton(v);
    if (candSkel === vs) return true; // homoglyphs / IDN confusables
    const max = v.length >= 6 ? 2 : 1;
    if (editDistance(candLabel, v, max) <= max || editDistance(candSkel, vs, max) <= max) return true;
    if (v.length >= 4 && (whole.includes(v) || wholeSkel.includes(vs))) return true; // brand inside the name
  }
  return false;
}
