import type { Alert, Customer } from '@kyoyu/contracts';
import { AhoCorasick } from './aho-corasick';
import { PatternList, type PatternMatcher } from './pattern-list';
import { isGenericIdentifier } from './generic-identifiers';
import { compileRanges, type IpRanges } from './ip';
import { canon, domainForms, nameVariants, registrable } from './normalize';

export type DictKind =
  | 'org'
  | 'keyword'
  | 'domain'
  | 'netbios'
  | 'sid'
  | 'account'
  | 'tenant'
  | 'host'
  | 'user'
  | 'email'
  | 'mac'
  | 'ip'
  | 'hostid'
  | 'region';

export interface DictEntry {
  kind: DictKind;
  /** Require a non-word character (or the text's edge) on both sides. */
  boundary: boolean;
  /** Domain-like: allow dots and sub-labels around it. */
  domainLike: boolean;
  /** From the registry (true) or learned from this alert (false). */
  registry: boolean;
}

/** A customer's registry entry compiled for matching: build once per registry version, reuse for every alert. */
export interface CompiledCustomer {
  readonly customerId: string;
  readonly ac: AhoCorasick<DictEntry>;
  readonly customerRanges: IpRanges;
  readonly internalRanges: IpRanges;
  /** Registrable labels and brand tokens a lookalike domain would imitate. */
  readonly lookalikeLabels: string[];
  /** The victim's registrable domains (`example.co.jp`). */
  readonly registrables: ReadonlySet<string>;
  /** Lookalike verdicts by domain, bounded. */
  readonly lookalikeMemo: Map<string, boolean>;
  /** Matchers for the identifiers learned from alerts, by those identifiers (hosts and users repeat), bounded. */
  readonly learnedByIdentifiers: Map<string, PatternMatcher<DictEntry> | null>;
}

// Hoisted: a regex literal inside a function is a new object on every call.
const NON_ASCII = /[\u0080-\uffff]/;
const DOMAIN_SLASH_USER = /^([^\\/@]+)[\\/](.+)$/;
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/:?#]+)/i;

function entry(kind: DictKind, value: string, registry: boolean): [string, DictEntry] {
  const nonAscii = NON_ASCII.test(value);
  const domainLike = kind === 'domain';
  return [value, { kind, boundary: !nonAscii, domainLike, registry }];
}

export function registryPatterns(c: Customer): Array<[string, DictEntry]> {
  const out: Array<[string, DictEntry]> = [];
  for (const n of c.names) for (const v of nameVariants(n)) out.push(entry('org', v, true));
  for (const k of c.keywords)
    for (const v of nameVariants(k))
      if (v.length >= 3 || /[\u0080-\uffff]/.test(v)) out.push(entry('keyword', v, true));
  const domains = [...c.domains, ...c.emailDomains, ...c.adDomains.map((a) => a.dnsName ?? '')].filter(
    Boolean,
  );
  for (const d of domains) for (const f of domainForms(d)) out.push(entry('domain', f, true));
  for (const a of c.adDomains) {
    if (a.netbiosName && a.netbiosName.length >= 2) out.push(entry('netbios', canon(a.netbiosName), true));
    if (a.sid) out.push(entry('sid', canon(a.sid), true));
  }
  for (const a of c.cloudAccounts) if (a.length >= 4) out.push(entry('account', canon(a), true));
  for (const t of c.siemTenants) if (t.length >= 3) out.push(entry('tenant', canon(t), true));
  // Prefecture and city are quasi-identifiers: never released as context, so masked in text as well.
  for (const r of [c.region.prefecture, c.region.city])
    if (r && (r.length >= 3 || /[\u0080-\uffff]/.test(r))) out.push(entry('region', canon(r), true));
  out.push(entry('tenant', c.id, true));
  return out;
}

export function compileCustomer(c: Customer): CompiledCustomer {
  const ac = new AhoCorasick<DictEntry>();
  for (const [p, e] of registryPatterns(c)) ac.add(p, e);
  ac.build();
  const registrables = new Set<string>();
  const labels = new Set<string>();
  const domains = [...c.domains, ...c.emailDomains, ...c.adDomains.map((a) => a.dnsName ?? '')].filter(
    Boolean,
  );
  for (const d of domains) {
    for (const f of domainForms(d)) {
      const r = registrable(f);
      if (!r) continue;
      registrables.add(r.registrable);
      if (!r.label.startsWith('xn--') && r.label.length >= 4) labels.add(r.label);
    }
  }
  for (const k of [...c.keywords, ...c.names]) {
    const v = canon(k).replace(/[^a-z0-9]/g, '');
    if (v.length >= 4 && v.length <= 24 && /^[a-z0-9]+$/.test(v) && !isGenericIdentifier(v)) labels.add(v);
  }
  return {
    customerId: c.id,
    ac,
    customerRanges: compileRanges(c.publicRanges),
    internalRanges: compileRanges(c.internalRanges),
    lookalikeLabels: [...labels],
    registrables,
    lookalikeMemo: new Map(),
    learnedByIdentifiers: new Map(),
  };
}

const cache = new WeakMap<Customer, CompiledCustomer>();

/** Compiled matcher for a customer object, cached for the object's lifetime (one per registry version). */
export function compiledFor(c: Customer): CompiledCustomer {
  let m = cache.get(c);
  if (!m) {
    m = compileCustomer(c);
    cache.set(c, m);
  }
  return m;
}

export interface LearnedIdentifiers {
  hosts: string[];
  hostIds: string[];
  users: string[];
  emails: string[];
  domains: string[];
  macs: string[];
  sids: string[];
  /** External addresses the alert itself attributes to the victim's hosts. */
  ips: string[];
}

/** Whether a (lower-case) host name's registrable domain is one of the victim's. */
function underRegistrable(host: string, registrables: ReadonlySet<string>): boolean {
  // Without empty labels, the registrable domain is a literal suffix of the name: a name that ends in none
  // of the victim's cannot be under one, and the labels need not be split.
  if (!host.includes('..') && !host.startsWith('.')) {
    let suffix = false;
    for (const r of registrables) if (host.endsWith(r)) suffix = true;
    if (!suffix) return false;
  }
  return registrables.has(registrable(host)?.registrable ?? '');
}

/** `host.example.com` → `host`: what `split('.')[0]` gives, without building the other labels. */
function firstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function hasTwoDots(name: string): boolean {
  const dot = name.indexOf('.');
  return dot >= 0 && name.indexOf('.', dot + 1) >= 0;
}

/** Host, user, domain and e-mail values from the alert's structured entities: searched in all its free text. */
export function learnFromAlert(alert: Alert, compiled?: CompiledCustomer): LearnedIdentifiers {
  const l: LearnedIdentifiers = {
    hosts: [],
    hostIds: [],
    users: [],
    emails: [],
    domains: [],
    macs: [],
    sids: [],
    ips: [],
  };
  const addUser = (u?: string): void => {
    if (!u) return;
    const m = DOMAIN_SLASH_USER.exec(u);
    if (m) {
      l.domains.push(m[1] as string);
      l.users.push(m[2] as string);
    } else if (u.includes('@')) {
      l.emails.push(u);
      l.users.push(u.split('@')[0] as string);
    } else l.users.push(u);
  };
  for (const h of alert.entities.hosts) {
    if (h.name) {
      const dot = h.name.indexOf('.');
      l.hosts.push(firstLabel(h.name));
      if (dot >= 0) l.domains.push(h.name.slice(dot + 1));
    }
    if (h.domain) l.domains.push(h.domain);
    if (h.id) l.hostIds.push(h.id);
    l.macs.push(...h.macs);
    l.ips.push(...h.ips);
  }
  for (const u of alert.entities.users) {
    addUser(u.name);
    if (u.domain) l.domains.push(u.domain);
    if (u.email) addUser(u.email);
    if (u.id) l.sids.push(u.id);
  }
  for (const p of alert.entities.processes) addUser(p.user);
  for (const i of alert.indicators) {
    // A name under the victim's own domain is the victim's machine, whatever role the source gave it.
    if (
      compiled &&
      (i.type === 'hostname' || i.type === 'domain' || i.type === 'tls-sni' || i.type === 'url')
    ) {
      let host = (i.type === 'url' ? URL_HOST.exec(i.value)?.[1] : i.value)?.toLowerCase();
      if (host?.endsWith('.')) host = host.slice(0, -1);
      // Three labels or more: a machine name under a domain, not the domain itself.
      if (host && hasTwoDots(host) && underRegistrable(host, compiled.registrables))
        l.hosts.push(firstLabel(host));
    }
    if (i.role !== 'victim') continue;
    if (i.type === 'hostname') l.hosts.push(firstLabel(i.value));
    if (i.type === 'email') addUser(i.value);
    if (i.type === 'mac') l.macs.push(i.value);
  }
  return l;
}

function learnedPatterns(l: LearnedIdentifiers): Array<[string, DictEntry]> {
  const out: Array<[string, DictEntry]> = [];
  const add = (kind: DictKind, v: string, min: number): void => {
    const c = canon(v.trim());
    if (c.length < min || isGenericIdentifier(c)) return;
    out.push(entry(kind, c, false));
  };
  for (const v of l.hosts) add('host', v, 3);
  for (const v of l.hostIds) add('hostid', v, 6);
  for (const v of l.users) add('user', v, 3);
  for (const v of l.emails) add('email', v, 5);
  for (const v of l.domains) {
    // A NetBIOS-style single label (`THESHIRE`) is a domain too; keep it a word match.
    if (!v.includes('.')) add('netbios', v, 3);
    else for (const f of domainForms(v)) add('domain', f, 4);
  }
  for (const v of l.macs) add('mac', v, 11);
  for (const v of l.sids) add('sid', v, 8);
  return out;
}

/** Lists of values as one string, unambiguous whatever characters the values hold (lengths are spelled out). */
function identifiersKey(lists: ReadonlyArray<readonly string[]>): string {
  let key = '';
  for (const list of lists) {
    key += `${list.length};`;
    for (const v of list) key += `${v.length}:${v}`;
  }
  return key;
}

const IP_ENTRY: DictEntry = { kind: 'ip', boundary: true, domainLike: false, registry: false };

/**
 * The matcher for an alert's learned identifiers plus the external addresses it attributes to the
 * victim's hosts (`hostIps`, searched as they are), or null when there are none. Keyed by the raw values,
 * which decide the patterns: an alert from a host and user already seen costs one lookup.
 */
export function learnedMatcherFor(
  c: CompiledCustomer,
  l: LearnedIdentifiers,
  hostIps: readonly string[],
): PatternMatcher<DictEntry> | null {
  const key = identifiersKey([l.hosts, l.hostIds, l.users, l.emails, l.domains, l.macs, l.sids, hostIps]);
  let ac = c.learnedByIdentifiers.get(key);
  if (ac === undefined) {
    const patterns = learnedPatterns(l);
    for (const ip of hostIps) patterns.push([ip.toLowerCase(), IP_ENTRY]);
    ac = matcherOf(patterns);
    if (c.learnedByIdentifiers.size >= 10_000) c.learnedByIdentifiers.clear();
    c.learnedByIdentifiers.set(key, ac);
  }
  return ac;
}

/**
 * A matcher for an alert's learned identifiers: a plain list for the usual handful of names of ordinary
 * length, an automaton beyond PatternList.MAX patterns or PatternList.MAX_LENGTH characters. Both report the
 * same matches in the same order; the list's repeated native search costs text × pattern length where a long
 * name overlaps itself in the text (a host named with 4,000 `a`s in a field of 8,000), the automaton stays
 * linear.
 */
function matcherOf(patterns: ReadonlyArray<[string, DictEntry]>): PatternMatcher<DictEntry> | null {
  if (patterns.length === 0) return null;
  if (patterns.length <= PatternList.MAX && patterns.every(([p]) => p.length <= PatternList.MAX_LENGTH)) {
    const list = new PatternList<DictEntry>();
    for (const [p, e] of patterns) list.add(p, e);
    return list;
  }
  const automaton = new AhoCorasick<DictEntry>();
  for (const [p, e] of patterns) automaton.add(p, e);
  return automaton.build();
}
