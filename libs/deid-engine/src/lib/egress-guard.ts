/**
 * The egress guard: the last check before bytes leave. Deliberately a separate implementation from the
 * engine's sanitizer — its own substring search over a list of needles (guard-needle-index), ipaddr.js for
 * addresses, its own decoders — so one bug cannot blind both lines.
 */
import type { Alert, Customer } from '@kyoyu/contracts';
import * as ipaddr from 'ipaddr.js';
import { isUtf8 } from 'node:buffer';
import { domainToASCII, domainToUnicode } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isGenericIdentifier } from './generic-identifiers';
import { buildNeedleIndex, markNeedles, type NeedleIndex } from './guard-needle-index';

export interface GuardNeedle {
  kind: string;
  value: string;
  /** ASCII needle: must stand as a whole word. */
  word: boolean;
}

export interface VictimDictionary {
  readonly needles: readonly GuardNeedle[];
  readonly ranges: ReadonlyArray<{ kind: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] }>;
  /** The customer's dictionary this one extends with an alert's identifiers: its needles begin this one's. */
  readonly extends?: VictimDictionary;
}

export interface GuardHit {
  kind: string;
  view: string;
}

export interface GuardResult {
  ok: boolean;
  /** What kind of identifier was seen and in which decoded view — never the matched value. */
  hits: GuardHit[];
}

const LEGAL =
  /^(?:株式会社|有限会社|合同会社|\(株\)|㈱)\s*|\s*(?:株式会社|\(株\)|㈱|,? ?(?:co\.?,? ?ltd\.?|corporation|corp\.?|inc\.?|k\.k\.|ltd\.?|limited|holdings|group))$/giu;

const NON_ASCII = /[\u0080-\uffff]/;

/** NFKC leaves ASCII as it is: only text with other characters pays for ICU. */
function nfkc(s: string): string {
  return NON_ASCII.test(s) ? s.normalize('NFKC') : s;
}

function norm(s: string): string {
  return nfkc(s).toLowerCase().trim();
}

const baseCache = new WeakMap<Customer, VictimDictionary>();

function customerDictionary(c: Customer): VictimDictionary {
  const cached = baseCache.get(c);
  if (cached) return cached;
  const needles: GuardNeedle[] = [];
  const add = (kind: string, raw: string | undefined, min = 3): void => {
    if (!raw) return;
    const v = norm(raw);
    if (v.length < min && !/[\u0080-\uffff]/.test(v)) return;
    if (v.length < 2 || isGenericIdentifier(v)) return;
    needles.push({ kind, value: v, word: !/[\u0080-\uffff]/.test(v) });
  };
  for (const n of c.names) {
    add('org-name', n);
    add('org-name', n.normalize('NFKC').replace(LEGAL, ''));
  }
  for (const k of c.keywords) add('keyword', k);
  for (const d of [...c.domains, ...c.emailDomains, ...c.adDomains.map((a) => a.dnsName)]) {
    if (!d) continue;
    add('domain', d, 4);
    add('domain', domainToASCII(norm(d)), 4);
    add('domain', domainToUnicode(domainToASCII(norm(d)) || norm(d)), 4);
  }
  for (const a of c.adDomains) {
    add('netbios', a.netbiosName, 2);
    add('sid', a.sid);
  }
  for (const a of c.cloudAccounts) add('cloud-account', a, 4);
  for (const t of c.siemTenants) add('tenant', t);
  add('customer-id', c.id);
  add('region', c.region.prefecture);
  add('region', c.region.city);
  const ranges: Array<{ kind: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] }> = [];
  for (const [kind, list] of [
    ['customer-range', c.publicRanges],
    ['internal-range', c.internalRanges],
  ] as const) {
    for (const r of list) {
      try {
        ranges.push({
          kind,
          range: r.includes('/')
            ? ipaddr.parseCIDR(r)
            : [ipaddr.parse(r), ipaddr.parse(r).kind() === 'ipv4' ? 32 : 128],
        });
      } catch {
        // An unparseable range cannot match anything; the registry import validates ranges.
      }
    }
  }
  const dict = { needles: dedupe(needles), ranges };
  baseCache.set(c, dict);
  return dict;
}

function dedupe(n: GuardNeedle[]): GuardNeedle[] {
  const seen = new Set<string>();
  return n.filter((x) => (seen.has(x.value) ? false : (seen.add(x.value), true)));
}

const baseValueSets = new WeakMap<VictimDictionary, ReadonlySet<string>>();

function baseValues(d: VictimDictionary): ReadonlySet<string> {
  let set = baseValueSets.get(d);
  if (!set) baseValueSets.set(d, (set = new Set(d.needles.map((n) => n.value))));
  return set;
}

/** The customer's dictionary (cached per customer object) plus identifiers from the alert's entities. */
export function buildVictimDictionary(customer: Customer, alert?: Alert): VictimDictionary {
  const base = customerDictionary(customer);
  if (!alert) return base;
  const extra: GuardNeedle[] = [];
  const add = (kind: string, raw: string | undefined, min = 3): void => {
    if (!raw) return;
    const v = norm(raw);
    if (v.length < min || isGenericIdentifier(v)) return;
    extra.push({ kind, value: v, word: !NON_ASCII.test(v) });
  };
  const addUser = (u?: string): void => {
    if (!u) return;
    // The last `\`- or `/`-separated part, up to its first `@`.
    const last = u.slice(Math.max(u.lastIndexOf('\\'), u.lastIndexOf('/')) + 1);
    const at = last.indexOf('@');
    add('user', at < 0 ? last : last.slice(0, at));
    if (u.includes('@')) add('email', u, 5);
  };
  for (const h of alert.entities.hosts) {
    const dot = h.name?.indexOf('.') ?? -1;
    add('host', dot < 0 ? h.name : h.name?.slice(0, dot));
    add('host-id', h.id, 6);
    for (const m of h.macs) add('mac', m, 11);
  }
  for (const u of alert.entities.users) {
    addUser(u.name);
    addUser(u.email);
    add('sid', u.id, 8);
  }
  for (const p of alert.entities.processes) addUser(p.user);
  if (extra.length === 0) return base;
  // The base needles are unique already: only the alert's own need checking, against them and each other.
  const seen = baseValues(base);
  const needles = [...base.needles];
  const added = new Set<string>();
  for (const x of extra) {
    if (seen.has(x.value) || added.has(x.value)) continue;
    added.add(x.value);
    needles.push(x);
  }
  return { needles, ranges: base.ranges, extends: base };
}

/**
 * Needle kinds that single out one organisation wherever they appear: its names, brands, domains, domain SID,
 * cloud and SIEM tenants, registry id. Not its NetBIOS name (two letters may do) nor its prefecture or city
 * (shared by every organisation there): those identify it only beside an alert known to be its own.
 */
const REGISTRY_WIDE_KINDS: ReadonlySet<string> = new Set([
  'org-name',
  'keyword',
  'domain',
  'sid',
  'cloud-account',
  'tenant',
  'customer-id',
]);

const registryCache = new WeakMap<readonly Customer[], VictimDictionary>();

/**
 * One dictionary for every registered customer, for a check that does not know which customer an event came
 * from (fan-out's, before it delivers): each customer's identifying needles and public ranges. Cached per
 * list, so a registry that has not changed is not compiled again.
 */
export function registryDictionary(customers: readonly Customer[]): VictimDictionary {
  const cached = registryCache.get(customers);
  if (cached) return cached;
  const needles: GuardNeedle[] = [];
  const ranges: Array<VictimDictionary['ranges'][number]> = [];
  for (const c of customers) {
    const d = customerDictionary(c);
    for (const n of d.needles) if (REGISTRY_WIDE_KINDS.has(n.kind)) needles.push(n);
    for (const r of d.ranges) if (r.kind === 'customer-range') ranges.push(r);
  }
  const dict = { needles: dedupe(needles), ranges };
  registryCache.set(customers, dict);
  return dict;
}

const needleIndexes = new WeakMap<readonly GuardNeedle[], { index: NeedleIndex; values: string[] }>();

function needleIndexFor(needles: readonly GuardNeedle[]): { index: NeedleIndex; values: string[] } {
  let entry = needleIndexes.get(needles);
  if (!entry) {
    const values = needles.map((n) => n.value);
    entry = { index: buildNeedleIndex(values), values };
    needleIndexes.set(needles, entry);
  }
  return entry;
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 95 || (c >= 65 && c <= 90);
}

/** An ASCII (word) needle at `i` must not be glued to a word character on a side where it has one itself. */
function standsAlone(t: string, i: number, n: GuardNeedle): boolean {
  if (!n.word) return true;
  const b = i > 0 ? t.charCodeAt(i - 1) : 32;
  const a = i + n.value.length < t.length ? t.charCodeAt(i + n.value.length) : 32;
  const firstWord = isWordCode(n.value.charCodeAt(0));
  const lastWord = isWordCode(n.value.charCodeAt(n.value.length - 1));
  return !((firstWord && isWordCode(b)) || (lastWord && isWordCode(a)));
}

/** One hit per needle found in `normalized` (the view's text after NFKC), in the dictionary's order. */
function scanNeedles(view: string, normalized: string, dict: VictimDictionary, hits: GuardHit[]): void {
  const t = normalized.toLowerCase();
  const needles = dict.needles;
  // The customer's needles (most of them) in one indexed pass; the alert's few own ones by indexOf.
  const base = (dict.extends ?? dict).needles;
  const { index, values } = needleIndexFor(base);
  const found = new Uint8Array(needles.length);
  const accept = (j: number, at: number): boolean => standsAlone(t, at, needles[j] as GuardNeedle);
  markNeedles(t, values, index, accept, found);
  for (let j = base.length; j < needles.length; j++) {
    const v = (needles[j] as GuardNeedle).value;
    for (let at = t.indexOf(v); at >= 0; at = t.indexOf(v, at + 1))
      if (accept(j, at)) {
        found[j] = 1;
        break;
      }
  }
  for (let j = 0; j < needles.length; j++)
    if (found[j]) hits.push({ kind: (needles[j] as GuardNeedle).kind, view });
}

const PRIVATE_RANGES = new Set(['private', 'carrierGradeNat', 'linkLocal', 'uniqueLocal', 'loopback']);

function ipKind(addr: ipaddr.IPv4 | ipaddr.IPv6, dict: VictimDictionary): string | null {
  let a = addr;
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (PRIVATE_RANGES.has(a.range())) return 'internal-ip';
  for (const r of dict.ranges) {
    if (r.range[0].kind() === a.kind() && (a as ipaddr.IPv4).match(r.range as [ipaddr.IPv4, number]))
      return r.kind === 'customer-range' ? 'customer-ip' : 'internal-ip';
  }
  return null;
}

// [0-9a-zA-Z.:\-[\]%] as a table (0: not a token character), with the separators and digits the token
// test counts told apart: the address scan reads every character of every view.
const NOT_TOKEN = 0;
const TOKEN_OTHER = 1;
const TOKEN_DOT = 2;
const TOKEN_COLON = 3;
const TOKEN_DASH = 4;
const TOKEN_DIGIT = 5;
const TOKEN_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const token =
    (c >= 48 && c <= 58) ||
    (c >= 65 && c <= 91) ||
    (c >= 97 && c <= 122) ||
    c === 46 ||
    c === 45 ||
    c === 93 ||
    c === 37;
  TOKEN_KIND[c] = !token
    ? NOT_TOKEN
    : c === 46
      ? TOKEN_DOT
      : c === 58
        ? TOKEN_COLON
        : c === 45
          ? TOKEN_DASH
          : c >= 48 && c <= 57
            ? TOKEN_DIGIT
            : TOKEN_OTHER;
}

const ANY_DIGIT = /\d/g;

function tokenKind(c: number): number {
  return c < 128 ? (TOKEN_KIND[c] as number) : NOT_TOKEN;
}

/**
 * Addresses in any notation, token by token. Only tokens that could hold one (three dots or dashes, two
 * colons, or a bare 8–10 digit / 0x number) are parsed.
 */
function scanIps(view: string, text: string, dict: VictimDictionary, hits: GuardHit[]): void {
  const n = text.length;
  // Every candidate token holds a digit: the regex engine finds the next one, the token around it is
  // measured here, and the search resumes after it (tokens without digits are never walked).
  ANY_DIGIT.lastIndex = 0;
  while (ANY_DIGIT.exec(text) !== null) {
    let start = ANY_DIGIT.lastIndex - 1;
    while (start > 0 && tokenKind(text.charCodeAt(start - 1)) !== NOT_TOKEN) start--;
    let i = start;
    let dots = 0;
    let colons = 0;
    let dashes = 0;
    let digits = 0;
    for (; i < n; i++) {
      const k = tokenKind(text.charCodeAt(i));
      if (k === NOT_TOKEN) break;
      if (k === TOKEN_DIGIT) digits++;
      else if (k === TOKEN_DOT) dots++;
      else if (k === TOKEN_COLON) colons++;
      else if (k === TOKEN_DASH) dashes++;
    }
    ANY_DIGIT.lastIndex = i;
    const len = i - start;
    if (len < 3) continue;
    if (!(dots >= 3 || colons >= 2 || dashes >= 3 || (digits >= 8 && len <= 12))) continue;
    const kind = tokenAddressKind(text.slice(start, i), dots + dashes >= 3, colons >= 2, dict);
    if (kind !== NOT_VICTIM) {
      hits.push({ kind, view });
      return;
    }
  }
}

const NOT_VICTIM = '';
const MAX_MEMO = 20_000;
/**
 * Verdicts by token, per range list (shared by a customer's dictionaries): the same tokens (attacker
 * addresses, hour-coarsened timestamps, host names) recur in payload after payload, and a verdict depends
 * on the token and the ranges only. Bounded.
 */
const tokenVerdicts = new WeakMap<VictimDictionary['ranges'], Map<string, string>>();

function tokenAddressKind(raw: string, separated: boolean, colons: boolean, dict: VictimDictionary): string {
  let memo = tokenVerdicts.get(dict.ranges);
  if (!memo) tokenVerdicts.set(dict.ranges, (memo = new Map()));
  let kind = memo.get(raw);
  if (kind === undefined) {
    kind = addressToken(raw, separated, colons, dict) ?? NOT_VICTIM;
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(raw, kind);
  }
  return kind;
}

/**
 * The victim address kind of one token, if any. `separated` (three or more dots and dashes) and `colons` (two or
 * more) are counted by the caller on the raw token: a notation whose separators are missing is not tried.
 */
function addressToken(
  raw: string,
  separated: boolean,
  colons: boolean,
  dict: VictimDictionary,
): string | null {
  const cands: string[] = [];
  const tok = raw.replace(/^\[|\]$/g, '').replace(/^[.:-]+|[.:-]+$/g, '');
  const rev =
    separated && /arpa$/i.test(tok) ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/i.exec(tok) : null;
  if (rev) cands.push([rev[4], rev[3], rev[2], rev[1]].join('.'));
  if (separated)
    for (const m of tok.matchAll(/\d{1,3}(?:[.-]\d{1,3}){3}/g)) {
      cands.push(
        m[0]
          .split(/[.-]/)
          .map((o) => String(Number(o)))
          .join('.'),
      );
    }
  if (tok.length <= 10 && (/^\d{8,10}$/.test(tok) || /^0x[0-9a-f]{8}$/i.test(tok))) cands.push(tok);
  if (colons && /^[0-9a-f:.%]+$/i.test(tok) && tok.split(':').length > 2)
    cands.push(tok.split('%')[0] as string);
  for (const c of cands) {
    if (!ipaddr.isValid(c)) continue;
    try {
      const k = ipKind(ipaddr.parse(c), dict);
      if (k) return k;
    } catch {
      // not an address after all
    }
  }
  return null;
}

/** Keys and string values, as `JSON.parse(JSON.stringify(v))` would hold them (undefined members are not serialized). */
function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v && typeof v === 'object') {
    // Own enumerable keys in `for…in` order, as JSON.stringify walks them.
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      out.push(k);
      collectStrings(x, out);
    }
  }
}

/**
 * Cheap reject before any string is built. Text in UTF-8 has no control bytes besides tab and line ends;
 * in UTF-16LE the zero high bytes are not counted and CJK low bytes stay well under the bar.
 */
function mostlyBinary(b: Buffer): boolean {
  let bad = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if ((c > 0 && c < 9) || (c > 13 && c < 32) || c === 127) bad++;
  }
  return bad > b.length * 0.12 + 1;
}

function bytesToText(b: Buffer): string | null {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      return bytesToText(gunzipSync(b, { maxOutputLength: 1 << 20 }));
    } catch {
      return null;
    }
  }
  if (mostlyBinary(b)) return null;
  if (utf8Plausible(b)) {
    const t = b.toString('utf8');
    if (printableText(t)) return t;
  }
  if (b.length % 2 === 0 && utf16Plausible(b)) {
    const t = b.toString('utf16le');
    if (printableText(t)) return t;
  }
  return null;
}

/** Valid UTF-8, or mostly ASCII with a little damage (a blob cut mid-character). Random bytes are neither. */
function utf8Plausible(b: Buffer): boolean {
  if (isUtf8(b)) return true;
  let high = 0;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) >= 0x80) high++;
  return high <= b.length * 0.1;
}

/**
 * UTF-16LE text is mostly ASCII (zero high bytes: PowerShell) or kana/kanji/full-width forms; random bytes
 * decode to code units spread over the whole plane and are rejected before a string is built.
 */
function utf16Plausible(b: Buffer): boolean {
  let textual = 0;
  const units = b.length >> 1;
  for (let i = 0; i + 1 < b.length; i += 2) {
    const u = (b[i] as number) | ((b[i + 1] as number) << 8);
    if (
      (u >= 9 && u <= 0x24f) ||
      (u >= 0x3000 && u <= 0x30ff) ||
      (u >= 0x3400 && u <= 0x9fff) ||
      (u >= 0xff00 && u <= 0xffef)
    )
      textual++;
  }
  return textual >= units * 0.7;
}

function printableText(t: string): boolean {
  let unprintable = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c <= 8 || (c >= 14 && c <= 31) || (c >= 127 && c <= 159) || c === 0xfffd) unprintable++;
  }
  return t.length > 0 && unprintable / t.length < 0.1;
}

// Character classes for the blob scan: 1 = base64/base64url alphabet, 2 = hex digit.
const B64_CHAR = 1;
const HEX_CHAR = 2;
const BLOB_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const hex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const b64 =
    hex || (c >= 71 && c <= 90) || (c >= 103 && c <= 122) || c === 43 || c === 47 || c === 95 || c === 45;
  BLOB_CLASS[c] = (b64 ? B64_CHAR : 0) | (hex ? HEX_CHAR : 0);
}

const MIN_BLOB = 16;

function blobClass(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? (BLOB_CLASS[c] as number) : 0;
}

/**
 * Maximal base64-alphabet runs that are not pure hex (hashes and ids are the hex view's) and maximal hex
 * runs, both of at least 16 characters: flat [start, end, start, end, ...] lists. Every such run covers
 * the character 15 places after any point where it could start, so only that character is looked at
 * first: a text of short words is passed over 16 characters at a time instead of read in full.
 */
function blobRuns(s: string): { base64: number[]; hex: number[] } {
  const base64: number[] = [];
  const hex: number[] = [];
  const n = s.length;
  // No run of MIN_BLOB characters starts before `from` that is not already listed.
  let from = 0;
  while (from + MIN_BLOB <= n) {
    const probe = from + MIN_BLOB - 1;
    if ((blobClass(s, probe) & B64_CHAR) === 0) {
      from = probe + 1;
      continue;
    }
    let start = probe;
    while (start > from && (blobClass(s, start - 1) & B64_CHAR) !== 0) start--;
    let end = probe + 1;
    while (end < n && (blobClass(s, end) & B64_CHAR) !== 0) end++;
    if (end - start >= MIN_BLOB) listRun(s, start, end, base64, hex);
    from = end + 1;
  }
  return { base64, hex };
}

/** One maximal base64-alphabet run: listed as base64 unless pure hex, and its hex runs listed as hex. */
function listRun(s: string, start: number, end: number, base64: number[], hex: number[]): void {
  let nonHex = false;
  let h = 0;
  for (let i = start; i < end; i++) {
    if ((blobClass(s, i) & HEX_CHAR) !== 0) h++;
    else {
      nonHex = true;
      if (h >= MIN_BLOB) hex.push(i - h, i);
      h = 0;
    }
  }
  if (h >= MIN_BLOB) hex.push(end - h, end);
  if (nonHex) base64.push(start, end);
}

const URL_SAFE_CHAR = /[-_]/;
const LEADING_SEPARATORS = /^[/_-]+/;

function decodeBase64Runs(s: string, list: readonly number[], out: string[]): string[] {
  for (let k = 0; k < list.length; k += 2) {
    const end = list[k + 1] as number;
    let seg = s.slice(list[k] as number, end);
    if (s.charCodeAt(end) === 61) seg += s.charCodeAt(end + 1) === 61 ? '==' : '=';
    decodeBase64Into(seg, out);
    const stripped = seg.replace(LEADING_SEPARATORS, '');
    if (stripped !== seg) decodeBase64Into(stripped, out);
  }
  return out;
}

function decodeBase64Into(x: string, out: string[]): void {
  const t = blobText(base64Texts, x, URL_SAFE_CHAR.test(x) ? 'base64url' : 'base64');
  if (t) out.push(t);
}

const MAX_BLOB_MEMO = 20_000;
/** Longer blobs are rare and their decoding outweighs a lookup: not kept (nor held in memory). */
const MAX_MEMO_BLOB_LENGTH = 256;
/**
 * Readable text (or null) by blob, one memo per encoding: the same runs recur payload after payload (member
 * names such as `agreementVersion`, an attacker's URL path), and what a run decodes to depends on the run
 * alone. Bounded in entries and in their length.
 */
const base64Texts = new Map<string, string | null>();
const hexTexts = new Map<string, string | null>();

function blobText(memo: Map<string, string | null>, blob: string, encoding: BufferEncoding): string | null {
  if (blob.length > MAX_MEMO_BLOB_LENGTH) return bytesToText(Buffer.from(blob, encoding));
  let t = memo.get(blob);
  if (t === undefined) {
    t = bytesToText(Buffer.from(blob, encoding));
    if (memo.size >= MAX_BLOB_MEMO) memo.clear();
    memo.set(blob, t);
  }
  return t;
}

function decodeHexList(s: string, list: readonly number[], out: string[]): string[] {
  for (let k = 0; k < list.length; k += 2) {
    const start = list[k] as number;
    const end = list[k + 1] as number;
    const before = start > 0 ? s.charCodeAt(start - 1) : 32;
    // `0x…` numbers and words that merely end in hex letters are not blobs.
    if ((before >= 71 && before <= 90) || (before >= 103 && before <= 122) || before === 92) continue;
    const t = blobText(hexTexts, s.slice(start, start + ((end - start) & ~1)), 'hex');
    if (t) out.push(t);
  }
  if (s.includes('\\x') || s.includes('\\X')) {
    for (const m of s.matchAll(/(?:\\x[0-9a-f]{2}){8,}/gi)) {
      const t = bytesToText(Buffer.from(m[0].replace(/\\x/gi, ''), 'hex'));
      if (t) out.push(t);
    }
  }
  return out;
}

function decodeBase64Segments(s: string): string[] {
  return decodeBase64Runs(s, blobRuns(s).base64, []);
}

/** The base64 and hex views of one text, from a single scan for blob runs. */
function decodeBlobs(s: string): Array<[string, string[]]> {
  const r = blobRuns(s);
  return [
    ['base64', decodeBase64Runs(s, r.base64, [])],
    ['hex', decodeHexList(s, r.hex, [])],
  ];
}

const HTML_ENTITY_ANY = /&#x[0-9a-f]+|&#\d+|&commat;|&period;|&amp;/i;
const DEFANG_ANY = /[[({](?:\.|dot|@|at)[\])}]|hxxp/i;

/**
 * Necessary for DEFANG_ANY to match: an opening bracket, or `xx` in some case (`hxxp`; under /i without
 * /u only ASCII letters fold to ASCII letters). A few native substring searches instead of the regex
 * trying its alternatives at every position of the payload.
 */
function mayBeDefanged(s: string): boolean {
  return (
    s.includes('[') ||
    s.includes('(') ||
    s.includes('{') ||
    s.includes('xx') ||
    s.includes('xX') ||
    s.includes('Xx') ||
    s.includes('XX')
  );
}

const PERCENT_ESCAPE = /%[0-9a-f]{2}/i;
const PUNYCODE_LABEL = /xn--/i;

const VIEWS: Array<[string, (s: string) => string[]]> = [
  [
    'url',
    (s) => {
      const out: string[] = [];
      let cur = s;
      // An escape needs a `%`: a native search for it spares the regex a walk over text without one.
      for (let i = 0; i < 3 && cur.includes('%') && PERCENT_ESCAPE.test(cur); i++) {
        cur = cur.replace(/(%[0-9a-f]{2})+/gi, (r) => {
          try {
            return decodeURIComponent(r);
          } catch {
            return Buffer.from(r.replace(/%/g, ''), 'hex').toString('latin1');
          }
        });
        out.push(cur);
      }
      return out;
    },
  ],
  [
    'html',
    // Every rewrite below only changes text one of these matches (an earlier one cannot create a later one's
    // input without matching itself): text without them has no HTML view.
    (s) =>
      s.includes('&') && HTML_ENTITY_ANY.test(s)
        ? [
            s
              .replace(/&#x([0-9a-f]+);?/gi, (_m, h: string) => safeCp(parseInt(h, 16)))
              .replace(/&#(\d+);?/g, (_m, d: string) => safeCp(Number(d)))
              .replace(/&commat;/gi, '@')
              .replace(/&period;/gi, '.')
              .replace(/&amp;/gi, '&'),
          ]
        : [],
  ],
  [
    'mime',
    (s) =>
      s.includes('=?')
        ? [
            s.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (all, cs: string, e: string, body: string) => {
              try {
                const bytes =
                  e.toLowerCase() === 'b'
                    ? Buffer.from(body, 'base64')
                    : Buffer.from(
                        body
                          .replace(/_/g, ' ')
                          .replace(/=([0-9a-f]{2})/gi, (_m, h: string) =>
                            String.fromCharCode(parseInt(h, 16)),
                          ),
                        'latin1',
                      );
                return new TextDecoder(cs).decode(bytes);
              } catch {
                return all;
              }
            }),
          ]
        : [],
  ],
  [
    'defang',
    (s) =>
      mayBeDefanged(s) && DEFANG_ANY.test(s)
        ? [
            s
              .replace(/[[({](?:\.|dot)[\])}]/gi, '.')
              .replace(/[[({](?:@|at)[\])}]/gi, '@')
              .replace(/hxxp/gi, 'http'),
          ]
        : [],
  ],
  [
    'punycode',
    (s) =>
      s.includes('--') && PUNYCODE_LABEL.test(s)
        ? [s.replace(/[a-z0-9.-]*xn--[a-z0-9.-]+/gi, (d) => domainToUnicode(d) || d)]
        : [],
  ],
];

function safeCp(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** Scans a serialized outgoing payload, and its decoded views, for any identifier in the dictionary. */
export function egressGuard(payload: string, dict: VictimDictionary): GuardResult {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    // Not JSON: the raw view is all there is.
    return scanPayload('raw', payload, dict);
  }
  return egressGuardValue(json, dict);
}

/**
 * The same check on a value about to be serialized as JSON: every key and string it would carry, without
 * a stringify/parse round trip (the strings are identical; numbers and booleans cannot hold a name).
 */
export function egressGuardValue(value: unknown, dict: VictimDictionary): GuardResult {
  const strings: string[] = [];
  collectStrings(value, strings);
  return scanPayload('json', strings.join('\n'), dict);
}

function scanPayload(rootView: string, root: string, dict: VictimDictionary): GuardResult {
  const hits: GuardHit[] = [];
  const queue: Array<[string, string]> = [[rootView, root]];
  // The whole payload's NFKC form is wanted twice (its chained view, its needle scan), and even the test for
  // non-ASCII walks all of it: taken once.
  const rootNfkc = nfkc(root);
  // Each decoder alone (so a hit names its view), then all of them chained, then blobs inside either.
  const expand = (view: string, text: string, single: boolean): string => {
    let chained = text;
    const names: string[] = [];
    for (const [name, fn] of VIEWS) {
      const alone = single ? fn(text) : null;
      if (alone)
        for (const t of alone) if (t !== text) queue.push([view === rootView ? name : `${view}+${name}`, t]);
      const all = alone && chained === text ? alone : fn(chained);
      const last = all[all.length - 1];
      if (last !== undefined && last !== chained) {
        chained = last;
        names.push(name);
      }
    }
    const nf = chained === root ? rootNfkc : nfkc(chained);
    if (nf !== chained) {
      chained = nf;
      names.push('nfkc');
    }
    if (names.length > 1 || (names.length === 1 && !single))
      queue.push([`${view === rootView ? '' : `${view}+`}${names.join('+')}`, chained]);
    return chained;
  };
  const chained = expand(rootView, root, true);
  for (const src of chained === root ? [root] : [root, chained]) {
    for (const [name, decoded] of decodeBlobs(src)) {
      for (const t of decoded) {
        queue.push([name, t]);
        expand(name, t, false);
        for (const inner of decodeBase64Segments(t)) queue.push([`${name}+base64`, inner]);
      }
    }
  }
  // The root comes first and is compared, not hashed: it is the whole payload.
  const seen = new Set<string>();
  for (let q = 0; q < queue.length; q++) {
    const [view, text] = queue[q] as [string, string];
    if (q > 0) {
      if (text === root || seen.has(text)) continue;
      seen.add(text);
    }
    scanNeedles(view, q === 0 ? rootNfkc : nfkc(text), dict, hits);
    scanIps(view, text, dict, hits);
  }
  const uniq = new Map<string, GuardHit>();
  for (const h of hits) uniq.set(`${h.kind}|${h.view}`, h);
  return { ok: uniq.size === 0, hits: [...uniq.values()] };
}
