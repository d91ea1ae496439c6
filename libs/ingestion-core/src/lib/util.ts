import type { SeverityLabel } from '@kyoyu/contracts';

export type Obj = { [key: string]: unknown };

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const hasOwn = Object.prototype.hasOwnProperty;

/** A dotted path, split once: the whole key, then every (head, rest) split at a dot, left to right. */
interface PathPlan {
  key: string;
  splits: { head: string; rest: PathPlan }[];
}
const plans = new Map<string, PathPlan>();
/** Paths are the mappers' constants (a few hundred); the bound only guards against misuse. */
const MAX_PLANS = 4096;

function planOf(path: string): PathPlan {
  let p = plans.get(path);
  if (p) return p;
  p = { key: path, splits: [] };
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1))
    p.splits.push({ head: path.slice(0, dot), rest: planOf(path.slice(dot + 1)) });
  if (plans.size < MAX_PLANS) plans.set(path, p);
  return p;
}

function getPlanned(o: Obj, p: PathPlan): unknown {
  // `o[k] !== undefined` first: most lookups miss, and a miss needs no own-property check.
  const v = o[p.key];
  if (v !== undefined && hasOwn.call(o, p.key)) return v;
  const splits = p.splits;
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i] as PathPlan['splits'][number];
    const h = o[s.head];
    if (h !== undefined && isObj(h) && hasOwn.call(o, s.head)) {
      const r = getPlanned(h, s.rest);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/**
 * Reads a dotted path, own properties only (never the prototype chain). Works for nested objects,
 * flat dotted keys (`"kibana.alert.rule.name"`) and any mix of the two.
 */
export function get(o: unknown, path: string): unknown {
  return isObj(o) ? getPlanned(o, planOf(path)) : undefined;
}

/** A dotted path compiled once (at module load), for the hot mappers: `getPath(o, P)` ≡ `get(o, path)`. */
export type Path = PathPlan;
export const compilePath = (path: string): Path => planOf(path);
export function getPath(o: unknown, p: Path): unknown {
  return isObj(o) ? getPlanned(o, p) : undefined;
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

/**
 * Dotted-quad IPv4 (1–3 ASCII digits per part, each ≤ 255, leading zeros allowed as the samples have
 * them) as an unsigned 32-bit number, else -1. A character loop: this runs for every address field.
 */
export function v4Number(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return -1;
      part = part * 10 + (c - 0x30);
    } else if (c === 0x2e) {
      if (digits === 0 || part > 255 || ++dots > 3) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return acc * 256 + part;
}

export function parseV4(s: string): [number, number, number, number] | undefined {
  const v = v4Number(s);
  return v < 0 ? undefined : [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || s.indexOf(':') < 0) return false;
  if (!IPV6_CHARS.test(s)) return false;
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
  v4Number(s) >= 0 ? 'ipv4' : isIPv6(s) ? 'ipv6' : undefined;

function isInternalV4(v: number): boolean {
  const a = v >>> 24;
  const b = (v >>> 16) & 255;
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a === 127 ||
    (a === 169 && b === 254)
  );
}

/** Of a string already known to be IPv6. */
function isInternalV6(s: string): boolean {
  const l = s.toLowerCase();
  if (l === '::1' || l === '::') return true;
  return /^fe[89ab]/.test(l) || /^f[cd]/.test(l);
}

/**
 * Victim-side address space: RFC 1918, RFC 6598 (CGNAT), loopback, link-local,
 * IPv6 loopback/unspecified, link-local fe80::/10 and ULA fc00::/7.
 */
export function isInternalIp(s: string): boolean {
  const v = v4Number(s);
  if (v >= 0) return isInternalV4(v);
  return isIPv6(s) && isInternalV6(s);
}

/**
 * An address in one pass: its kind, whether it is victim-side (see isInternalIp) and whether it is
 * multicast/broadcast (see isSpecialIp); undefined when it is no address.
 */
export function classifyIp(s: string): { kind: IpKind; internal: boolean; special: boolean } | undefined {
  const v = v4Number(s);
  if (v >= 0) return { kind: 'ipv4', internal: isInternalV4(v), special: v >>> 24 >= 224 };
  if (!isIPv6(s)) return undefined;
  return { kind: 'ipv6', internal: isInternalV6(s), special: /^ff/i.test(s) };
}

/** Multicast / broadcast: neither side of a conversation. */
export function isSpecialIp(s: string): boolean {
  const v = v4Number(s);
  if (v >= 0) return v >>> 24 >= 224;
  return /^ff/i.test(s);
}

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})\.?$/i;
export const isDomain = (s: string): boolean => DOMAIN.test(s) && v4Number(s) < 0;

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
