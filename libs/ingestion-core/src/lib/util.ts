import type { SeverityLabel } from '@kyoyu/contracts';

export type Obj = { [key: string]: unknown };

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const own = (o: Obj, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Reads a dotted path, own properties only (never the prototype chain). Works for nested objects,
 * flat dotted keys (`"kibana.alert.rule.name"`) and any mix of the two.
 */
export function get(o: unknown, path: string): unknown {
  if (!isObj(o)) return undefined;
  if (own(o, path)) return o[path];
  let dot = path.indexOf('.');
  while (dot > 0) {
    const head = path.slice(0, dot);
    if (own(o, head)) {
      const r = get(o[head], path.slice(dot + 1));
      if (r !== undefined) return r;
    }
    dot = path.indexOf('.', dot + 1);
  }
  return undefined;
}

/** A scalar as a non-empty string (first element of an array), else undefined. */
export function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return str(v[0]);
  if (typeof v === 'string') {
    const t = v.trim();
    return t.length > 0 ? t : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** Every scalar in v (flattening one level of arrays) as non-empty strings. */
export function strs(v: unknown): string[] {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const e of v) {
      const s = str(e);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  const s = str(v);
  return s === undefined ? [] : [s];
}

export function num(v: unknown): number | undefined {
  if (Array.isArray(v)) return num(v[0]);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function int(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

export const arr = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];

// ---------------------------------------------------------------------------------------------
// Addresses

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseV4(s: string): [number, number, number, number] | undefined {
  const m = V4.exec(s);
  if (!m) return undefined;
  const p = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
  return p.every((x) => x <= 255) ? p : undefined;
}

export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || s.indexOf(':') < 0) return false;
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const dbl = s.split('::').length - 1;
  if (dbl > 1) return false;
  const groups = s.split(':').filter((g) => g.length > 0);
  if (groups.some((g, i) => (g.indexOf('.') >= 0 ? i !== groups.length - 1 || !parseV4(g) : g.length > 4)))
    return false;
  return dbl === 1
    ? groups.length < 8
    : groups.length === 8 || (groups.length === 7 && (groups[6] ?? '').includes('.'));
}

export type IpKind = 'ipv4' | 'ipv6';
export const ipKind = (s: string): IpKind | undefined =>
  parseV4(s) ? 'ipv4' : isIPv6(s) ? 'ipv6' : undefined;

/**
 * Victim-side address space: RFC 1918, RFC 6598 (CGNAT), loopback, link-local,
 * IPv6 loopback/unspecified, link-local fe80::/10 and ULA fc00::/7.
 */
export function isInternalIp(s: string): boolean {
  const p = parseV4(s);
  if (p) {
    const [a, b] = p;
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a === 127 ||
      (a === 169 && b === 254)
    );
  }
  if (!isIPv6(s)) return false;
  const l = s.toLowerCase();
  if (l === '::1' || l === '::') return true;
  return /^fe[89ab]/.test(l) || /^f[cd]/.test(l);
}

/** Multicast / broadcast: neither side of a conversation. */
export function isSpecialIp(s: string): boolean {
  const p = parseV4(s);
  if (p) return p[0] >= 224;
  return /^ff/i.test(s);
}

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})\.?$/i;
export const isDomain = (s: string): boolean => DOMAIN.test(s) && !parseV4(s);

// ---------------------------------------------------------------------------------------------
// Time

/** ISO-8601 UTC from the usual SIEM time forms (ISO with any offset, epoch s/ms, syslog-ish); else undefined. */
export function toIso(v: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof v === 'number' && Number.isFinite(v)) ms = v < 1e11 ? v * 1000 : v;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (s.length === 0 || s.length > 64) return undefined;
    if (/^\d{9,13}(\.\d+)?$/.test(s)) {
      const n = Number(s);
      ms = n < 1e11 ? n * 1000 : n;
    } else if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
      ms = Date.parse(s.replace(/ /, 'T'));
    } else if (/^[A-Z][a-z]{2} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}$/.test(s)) {
      ms = Date.parse(`${s} UTC`);
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  // Plausibility window: 1990 .. 2200.
  if (ms < 631152000000 || ms > 7258118400000) return undefined;
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Severity

export function labelFor(score: number): SeverityLabel {
  if (score <= 0) return 'info';
  if (score < 40) return 'low';
  if (score < 70) return 'medium';
  if (score < 90) return 'high';
  return 'critical';
}

export const clampScore = (n: number): number => Math.max(0, Math.min(100, Math.round(n)));

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}
