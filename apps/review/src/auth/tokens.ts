import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '@kyoyu/contracts';

/** A fresh secret (session id, CSRF token, API token): 256 random bits, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** High-entropy secrets are stored as SHA-256 (a slow hash buys nothing for 256 random bits). */
export function secretHash(secret: string): string {
  return sha256Hex(secret);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
