import { hash } from 'node:crypto';

/**
 * Deterministic id from ordered parts: the same inputs always give the same id (idempotent replays).
 * One-shot `hash` over the joined parts: the same digest as feeding them to a Hash object one by one,
 * without building that object for every event.
 */
export function deterministicId(namespace: string, ...parts: string[]): string {
  const input = parts.length === 0 ? namespace : `${namespace}\u0000${parts.join('\u0000')}`;
  return hash('sha256', input, 'hex').slice(0, 32);
}

export function sha256Hex(data: Buffer | string): string {
  return hash('sha256', data, 'hex');
}
