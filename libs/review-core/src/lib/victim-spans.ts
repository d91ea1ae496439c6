import type { Customer } from '@kyoyu/contracts';
import { compiledFor } from '@kyoyu/deid-engine';

/** A stretch of the original record that identifies the victim (what de-identification removed). */
export interface VictimSpan {
  start: number;
  end: number;
  kind: string;
}

const PRIVATE_V4 =
  /(?<![\d.])(?:10\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])|192\.168|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7]))\.\d{1,3}\.\d{1,3}(?![\d.])/g;

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 95 || (c >= 65 && c <= 90);
}

/**
 * Where the customer's registered identifiers and internal addresses occur in the original record, for
 * the console's side-by-side view (the reviewer sees what was removed and why). Offsets are UTF-16, in
 * order, non-overlapping.
 */
export function victimSpans(text: string, customer: Customer | undefined): VictimSpan[] {
  const found: VictimSpan[] = [];
  if (customer) {
    const lower = text.toLowerCase();
    if (lower.length === text.length) {
      for (const m of compiledFor(customer).ac.search(lower)) {
        const before = m.start > 0 ? lower.charCodeAt(m.start - 1) : 32;
        const after = m.end < lower.length ? lower.charCodeAt(m.end) : 32;
        if (m.payload.boundary && (isWord(before) || isWord(after))) continue;
        found.push({ start: m.start, end: m.end, kind: m.payload.kind });
      }
    }
  }
  for (const m of text.matchAll(PRIVATE_V4)) {
    found.push({ start: m.index, end: m.index + m[0].length, kind: 'internal-ip' });
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: VictimSpan[] = [];
  for (const s of found) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) continue;
    out.push(s);
  }
  return out;
}
