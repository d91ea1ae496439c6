import type { Customer, SanitizedEvent } from '@kyoyu/contracts';
import { buildVictimDictionary, compiledFor, egressGuard } from '@kyoyu/deid-engine';

export interface DraftHit {
  /** Which of the two independent lines saw it. */
  line: 'engine' | 'egress-guard';
  /** The kind of identifier (org name, domain, internal IP...) — never the value. */
  kind: string;
  /** Where: a draft field path (engine) or a decoded view (guard). */
  where: string;
}

export interface DraftCheck {
  ok: boolean;
  hits: DraftHit[];
}

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 95 || (c >= 65 && c <= 90);
}

function strings(value: unknown, path: string, out: Array<[string, string]>): void {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, path ? `${path}.${k}` : k, out);
}

/**
 * Runs both lines of de-identification over an edited draft: the engine's compiled victim dictionary
 * over every string field, then the egress guard over the serialized payload with its decoded views.
 * A draft that either line flags cannot be approved.
 */
export function checkDraft(draft: SanitizedEvent, customer: Customer): DraftCheck {
  const hits: DraftHit[] = [];
  const ac = compiledFor(customer).ac;
  const fields: Array<[string, string]> = [];
  strings(draft, '', fields);
  for (const [path, text] of fields) {
    const lower = text.toLowerCase();
    for (const m of ac.search(lower)) {
      const before = m.start > 0 ? lower.charCodeAt(m.start - 1) : 32;
      const after = m.end < lower.length ? lower.charCodeAt(m.end) : 32;
      if (m.payload.boundary && (isWord(before) || isWord(after))) continue;
      hits.push({ line: 'engine', kind: m.payload.kind, where: path });
      break;
    }
  }
  const guard = egressGuard(JSON.stringify(draft), buildVictimDictionary(customer));
  for (const h of guard.hits) hits.push({ line: 'egress-guard', kind: h.kind, where: h.view });
  return { ok: hits.length === 0, hits };
}
