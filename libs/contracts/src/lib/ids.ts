import { createHash } from 'node:crypto';

/** Deterministic id from ordered parts: the same inputs always give the same id (idempotent replays). */
export function deterministicId(namespace: string, ...parts: string[]): string {
  const h = createHash('sha256');
  h.update(namespace);
  for (const p of parts) {
    h.update('\u0000');
    h.update(p);
  }
  return h.digest('hex').slice(0, 32);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
