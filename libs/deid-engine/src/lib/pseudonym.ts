import { hash } from 'node:crypto';

export type PseudonymKind = 'host' | 'user' | 'email' | 'sid' | 'mac' | 'account';

const SHA256_BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) from the key's inner and outer pads, computed once per key, and two one-shot
 * hashes: the same digest as `createHmac`, without building an HMAC object for every alert.
 */
export class HmacSha256 {
  /** The inner pad followed by room for a message: written in place, no buffer built per message. */
  private innerInput: Buffer;
  /** The outer pad followed by the 32-byte inner digest. */
  private readonly outerInput: Buffer;

  constructor(secret: Buffer) {
    const key = secret.length > SHA256_BLOCK ? hash('sha256', secret, 'buffer') : secret;
    this.innerInput = Buffer.alloc(SHA256_BLOCK + 256, 0x36);
    this.outerInput = Buffer.alloc(SHA256_BLOCK + 32, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.innerInput[i] = (this.innerInput[i] as number) ^ (key[i] as number);
      this.outerInput[i] = (this.outerInput[i] as number) ^ (key[i] as number);
    }
  }

  hex(message: string): string {
    // A UTF-16 code unit is at most three UTF-8 bytes.
    if (this.innerInput.length < SHA256_BLOCK + message.length * 3) {
      const grown = Buffer.alloc(SHA256_BLOCK + message.length * 3);
      this.innerInput.copy(grown, 0, 0, SHA256_BLOCK);
      this.innerInput = grown;
    }
    const length = this.innerInput.write(message, SHA256_BLOCK, 'utf8');
    const inner = hash('sha256', this.innerInput.subarray(0, SHA256_BLOCK + length), 'buffer');
    inner.copy(this.outerInput, SHA256_BLOCK);
    return hash('sha256', this.outerInput, 'hex');
  }
}

// Keyed by the secret's Buffer: a rotated key is a new Buffer, so it gets its own pads.
const bySecret = new WeakMap<Buffer, HmacSha256>();

function hmacFor(secret: Buffer): HmacSha256 {
  let h = bySecret.get(secret);
  if (!h) bySecret.set(secret, (h = new HmacSha256(secret)));
  return h;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Keyed, per-incident pseudonyms: HMAC(secret, caseId + kind + value). Stable within a case, unlinkable across cases and keys. */
export class Pseudonymizer {
  private readonly memo = new Map<string, string>();
  private readonly hmac: HmacSha256;

  constructor(
    secret: Buffer,
    private readonly caseId: string,
  ) {
    this.hmac = hmacFor(secret);
  }

  get(kind: PseudonymKind, value: string): string {
    const v = (NON_ASCII.test(value) ? value.normalize('NFKC') : value).toLowerCase().trim();
    const k = `${kind}\u0000${v}`;
    let p = this.memo.get(k);
    if (p === undefined) {
      p = `<${kind}-${this.hmac.hex(`${this.caseId}\u0000${k}`).slice(0, 6)}>`;
      this.memo.set(k, p);
    }
    return p;
  }
}

/** Opaque case id: HMAC of the alert id with the current key; not guessable without the key. */
export function caseIdFor(secret: Buffer, alertId: string): string {
  return `case-${hmacFor(secret).hex(`kyoyu.case\u0000${alertId}`).slice(0, 32)}`;
}

/** Stands in for the pseudonymizer where the text is only scanned, never released: no HMAC work. */
export const SCAN_ONLY_PSEUDONYMS: Pick<Pseudonymizer, 'get'> = { get: (kind) => `<${kind}>` };
