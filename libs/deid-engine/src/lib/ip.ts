/**
 * The engine's own IP handling (numeric, no library): which addresses are the victim's, and where they hide
 * in text. The egress guard uses a different implementation on purpose.
 */
export type IpSide = 'internal' | 'customer' | 'external';

export interface V6Prefix {
  groups: number[];
  bits: number;
}

export interface IpRanges {
  v4: Array<[number, number]>;
  v6: V6Prefix[];
}

const INTERNAL_V4: Array<[number, number]> = [
  cidr4(10, 0, 0, 0, 8), // RFC 1918
  cidr4(172, 16, 0, 0, 12),
  cidr4(192, 168, 0, 0, 16),
  cidr4(100, 64, 0, 0, 10), // RFC 6598 shared address space
  cidr4(169, 254, 0, 0, 16), // link-local
  cidr4(127, 0, 0, 0, 8), // loopback
];

function cidr4(a: number, b: number, c: number, d: number, bits: number): [number, number] {
  const base = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
  const size = bits === 0 ? 0x100000000 : 2 ** (32 - bits);
  const start = base - (base % size);
  return [start, start + size - 1];
}

/** `a.b.c.d` (each part one to three digits, at most 255; surrounding whitespace ignored) as a number, or null. */
export function parseV4(s: string): number | null {
  const t = s.trim();
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return null;
      part = part * 10 + (c - 48);
    } else if (c === 46 && digits > 0 && dots < 3 && part <= 255) {
      value = value * 256 + part;
      dots++;
      part = 0;
      digits = 0;
    } else return null;
  }
  if (dots !== 3 || digits === 0 || part > 255) return null;
  return value * 256 + part;
}

function isOctet(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 255;
}

function octets(a?: string, b?: string, c?: string, d?: string): number | null {
  const p0 = Number(a);
  const p1 = Number(b);
  const p2 = Number(c);
  const p3 = Number(d);
  if (!isOctet(p0) || !isOctet(p1) || !isOctet(p2) || !isOctet(p3)) return null;
  return ((p0 << 24) >>> 0) + (p1 << 16) + (p2 << 8) + p3;
}

const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Eight 16-bit groups, or null. Accepts `::`, an embedded IPv4 tail, zero-padded groups, a zone id. */
export function parseV6(input: string): number[] | null {
  let s = input.trim().replace(/^\[|\]$/g, '');
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (!s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseV4(last);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!V6_GROUP.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    if (!head || !rest) return null;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = parseGroups(s);
    if (!all) return null;
    groups = all;
  }
  return groups.length === 8 ? groups : null;
}

export function parseCidr(c: string): { v4?: [number, number]; v6?: V6Prefix } | null {
  const [addr, bitsStr] = c.trim().split('/');
  if (!addr) return null;
  const v4 = parseV4(addr);
  if (v4 !== null) {
    const bits = bitsStr === undefined ? 32 : Number(bitsStr);
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) return null;
    const size = 2 ** (32 - bits);
    const start = v4 - (v4 % size);
    return { v4: [start, start + size - 1] };
  }
  const v6 = parseV6(addr);
  if (v6) {
    const bits = bitsStr === undefined ? 128 : Number(bitsStr);
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) return null;
    return { v6: { groups: v6, bits } };
  }
  return null;
}

export function compileRanges(cidrs: readonly string[]): IpRanges {
  const out: IpRanges = { v4: [], v6: [] };
  for (const c of cidrs) {
    const r = parseCidr(c);
    if (r?.v4) out.v4.push(r.v4);
    if (r?.v6) out.v6.push(r.v6);
  }
  return out;
}

function inV4(n: number, ranges: ReadonlyArray<[number, number]>): boolean {
  for (const [a, b] of ranges) if (n >= a && n <= b) return true;
  return false;
}

function inV6(g: number[], p: V6Prefix): boolean {
  let bits = p.bits;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((g[i] as number) & mask) !== ((p.groups[i] as number) & mask)) return false;
  }
  return true;
}

export function sideOfV4(n: number, customer: IpRanges, internalExtra: IpRanges): IpSide {
  if (inV4(n, INTERNAL_V4) || inV4(n, internalExtra.v4)) return 'internal';
  if (inV4(n, customer.v4)) return 'customer';
  return 'external';
}

export function sideOfV6(g: number[], customer: IpRanges, internalExtra: IpRanges): IpSide {
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) carry a v4 address.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && (g[5] === 0xffff || g[5] === 0)) {
    const v4 = (((g[6] as number) << 16) >>> 0) + (g[7] as number);
    if (g[5] === 0xffff || v4 > 1) return sideOfV4(v4, customer, internalExtra);
    if (v4 === 1) return 'internal'; // ::1
  }
  const g0 = g[0] as number;
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80) return 'internal'; // ULA, link-local
  if (internalExtra.v6.some((p) => inV6(g, p))) return 'internal';
  if (customer.v6.some((p) => inV6(g, p))) return 'customer';
  return 'external';
}

export function sideOfIp(value: string, customer: IpRanges, internalExtra: IpRanges): IpSide | null {
  const v4 = parseV4(value);
  if (v4 !== null) return sideOfV4(v4, customer, internalExtra);
  const v6 = parseV6(value);
  if (v6) return sideOfV6(v6, customer, internalExtra);
  return null;
}

export interface IpSpan {
  start: number;
  end: number;
  side: Exclude<IpSide, 'external'>;
  form: string;
}

const DOTTED = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\.in-addr\.arpa)?(?!\d|\.\d)/gi;
const DASHED = /(?<!\d)(?<!\d-)(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?!\d|-\d)/g;
const INTEGER = /(?<![\w.])(\d{8,10})(?![\w.]|\.\d)/g;
const HEX = /(?<!\w)0x([0-9a-f]{8})(?!\w)/gi;
const V6 = /(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{1,4})?(?![\w:.])/gi;

/**
 * Which notations the text could hold at all, when the caller has already looked (each flag a necessary
 * condition: a digit-dot-digit for dotted, digit-dash-digit for dashed, eight digits in a row for integer,
 * an `x` for hex, two colons for IPv6). A notation whose flag is false is not searched.
 */
export interface IpShapes {
  dotted: boolean;
  dashed: boolean;
  integer: boolean;
  hex: boolean;
  v6: boolean;
}

const ANY_SHAPE: IpShapes = { dotted: true, dashed: true, integer: true, hex: true, v6: true };

const EIGHT_DIGITS = /\d{8}/;

/** Victim IPs in any textual form: dotted (zero-padded), reverse DNS, dashed, integer, hex, IPv6 (mapped, exploded). */
export function findVictimIps(
  text: string,
  customer: IpRanges,
  internalExtra: IpRanges,
  shapes: IpShapes = ANY_SHAPE,
): IpSpan[] {
  const out: IpSpan[] = [];
  const push = (start: number, end: number, side: IpSide, form: string): void => {
    if (side !== 'external') out.push({ start, end, side, form });
  };
  let m: RegExpExecArray | null;
  if (shapes.dotted && text.includes('.')) {
    DOTTED.lastIndex = 0;
    while ((m = DOTTED.exec(text))) {
      const rev = m[5] !== undefined;
      const n = rev ? octets(m[4], m[3], m[2], m[1]) : octets(m[1], m[2], m[3], m[4]);
      if (n !== null)
        push(
          m.index,
          m.index + m[0].length,
          sideOfV4(n, customer, internalExtra),
          rev ? 'reverse-dns' : 'dotted',
        );
    }
  }
  if (shapes.dashed && text.includes('-')) {
    DASHED.lastIndex = 0;
    while ((m = DASHED.exec(text))) {
      const n = octets(m[1], m[2], m[3], m[4]);
      if (n !== null) push(m.index, m.index + m[0].length, sideOfV4(n, customer, internalExtra), 'dashed');
    }
  }
  if (shapes.integer && EIGHT_DIGITS.test(text)) {
    INTEGER.lastIndex = 0;
    while ((m = INTEGER.exec(text))) {
      const n = Number(m[1]);
      if (n >= 0x01000000 && n <= 0xffffffff)
        push(m.index, m.index + m[0].length, sideOfV4(n, customer, internalExtra), 'integer');
    }
  }
  if (shapes.hex && (text.includes('0x') || text.includes('0X'))) {
    HEX.lastIndex = 0;
    while ((m = HEX.exec(text))) {
      push(
        m.index,
        m.index + m[0].length,
        sideOfV4(parseInt(m[1] as string, 16), customer, internalExtra),
        'hex',
      );
    }
  }
  if (shapes.v6 && text.includes(':')) {
    V6.lastIndex = 0;
    while ((m = V6.exec(text))) {
      if (m[0].length < 3) continue;
      const g = parseV6(m[0]);
      if (g) push(m.index, m.index + m[0].length, sideOfV6(g, customer, internalExtra), 'ipv6');
    }
  }
  return out;
}
