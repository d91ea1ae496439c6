import { createHmac } from 'node:crypto';

export type PseudonymKind = 'host' | 'user' | 'email' | 'sid' | 'mac' | 'account';

/** Keyed, per-incident pseudonyms: HMAC(secret, caseId + kind + value). Stable within a case, unlinkable across cases and keys. */
export class Pseudonymizer {
  private readonly memo = new Map<string, string>();

  constructor(
    private readonly secret: Buffer,
    private readonly caseId: string,
  ) {}

  get(kind: PseudonymKind, value: string): string {
    const v = value.normalize('NFKC').toLowerCase().trim();
    const k = `${kind}\u0000${v}`;
    let p = this.memo.get(k);
    if (p === undefined) {
      const h = createHmac('sha256', this.secret)
        .update(this.caseId)
        .update('\u0000')
        .update(k)
        .digest('hex');
      p = `<${kind}-${h.slice(0, 6)}>`;
      this.memo.set(k, p);
    }
    return p;
  }
}

/** Opaque case id: HMAC of the alert id with the current key; not guessable without the key. */
export function caseIdFor(secret: Buffer, alertId: string): string {
  return `case-${createHmac('sha256', secret).update('kyoyu.case\u0000').update(alertId).digest('hex').slice(0, 32)}`;
}

/** Stands in for the pseudonymizer where the text is only scanned, never released: no HMAC work. */
export const SCAN_ONLY_PSEUDONYMS: Pick<Pseudonymizer, 'get'> = { get: (kind) => `<${kind}>` };
