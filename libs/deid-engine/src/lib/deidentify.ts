import {
  type Alert,
  type Audience,
  type Customer,
  deterministicId,
  type HoldReason,
  type Indicator,
  type OccurrenceBucket,
  type SanitizedEvent,
  type SharedIndicator,
  type Transformation,
} from '@kyoyu/contracts';
import { type CompiledCustomer, compiledFor, learnedMatcherFor, learnFromAlert } from './compile';
import { hasUnclassifiedCjk } from './cjk-residue';
import { buildVictimDictionary, egressGuardValue, type VictimDictionary } from './egress-guard';
import { type IpSide, sideOfIp } from './ip';
import { isLookalike } from './lookalike';
import { isAsciiWordChar } from './normalize';
import { caseIdFor, Pseudonymizer, SCAN_ONLY_PSEUDONYMS } from './pseudonym';
import { type Finding, TextSanitizer } from './text-sanitizer';

export interface PseudonymKey {
  id: string;
  secret: Buffer;
}

/** Supplied by the service from the registry and the sharing window. */
export interface KAnonymityView {
  customersWithSector(sector: string): number;
  customersWithCountry(country: string): number;
  /** Customers sharing both: each may be common while the pair is unique. Optional; without it the pair is not checked. */
  customersWithSectorAndCountry?(sector: string, country: string): number;
}

export interface EngineOptions {
  timeGranularity: 'hour' | 'day';
  kAnonymity: number;
  riskThreshold: number;
  reviewDeadlineHours?: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  timeGranularity: 'hour',
  kAnonymity: 3,
  riskThreshold: 50,
};

export interface DeidentifyInput {
  alert: Alert;
  customer: Customer;
  key: PseudonymKey;
  kView: KAnonymityView;
  now: Date;
  options?: Partial<EngineOptions>;
  /** The customer's compiled matcher; defaults to one cached per customer object. */
  compiled?: CompiledCustomer;
}

export interface DeidentifyResult {
  decision: 'release' | 'hold';
  /** Always produced: the draft, when held. */
  event: SanitizedEvent;
  /** Non-empty when held. */
  reasons: HoldReason[];
  /** 0–100 residual re-identification risk. */
  risk: number;
  /** Field, class, action, rule for every change — never the removed value. */
  transformations: Transformation[];
}

const PHISHING_OR_EXTORTION = /^(?:T1566|T1598|T1486|T1491|T1657|T1534)/;
const CONTENT_FIELD = /subject|body|ransom|note|mail|message_body|html|content|attachment/i;
const MALWARE_FIELD = /malware|threat[._]?name|detection_?name|virus|family|relevantdetectionnames/i;
const OPAQUE_INDICATOR = /^(?:md5|sha1|sha256|sha512|ja3|ja3s|cve)$/;
const NOTHING_FOUND: { text: string; findings: Finding[]; opaqueBlobs: number } = {
  text: '',
  findings: [],
  opaqueBlobs: 0,
};
const HAS_CVE = /cve-/i;
const CVE_RE = /\bCVE-\d{4}-\d{4,7}\b/gi;
const DOMAIN_TOKEN =
  /(?<![\w.@-])(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+(?:[a-z]{2,24}|xn--[a-z0-9-]{2,59})(?![\w-])/giu;
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/:?#]+)/i;
const DEFANGED_SCHEME = /^hxxp/i;
const DEFANGED_DOT = /\[\.\]/g;
const SECTOR_LEVEL_SEPARATOR = /[/.:>|]/;
const NAME_LIST_SEPARATOR = /[,;\n]/;
const DOTTED_NUMBER = /^\d+(?:\.\d+)+$/;
const OPAQUE_VALUE = /^[0-9a-fA-F]+$|^CVE-\d{4}-\d+$/i;
const HEX_VALUE = /^[0-9a-f]+$/i;
const FILE_EXT_TLD =
  /\.(?:exe|dll|sys|ps1|bat|cmd|vbs|js|txt|log|zip|rar|7z|doc|docx|xls|xlsx|pdf|lnk|tmp|dat|bin|sh|py|php|html?|aspx?|jsp|json|xml|ini|cfg|conf|msi|iso|img|jar|local|internal|lan|arpa|localdomain)$/i;

interface TextFieldKind {
  /** The transformation's field name, `texts.<field>`. */
  field: string;
  content: boolean;
  malware: boolean;
}

// Source field names are a small vocabulary that recurs in every alert of a format: classified once.
const textFieldKinds = new Map<string, TextFieldKind>();

function textFieldKind(name: string): TextFieldKind {
  let k = textFieldKinds.get(name);
  if (!k) {
    k = { field: `texts.${name}`, content: CONTENT_FIELD.test(name), malware: MALWARE_FIELD.test(name) };
    if (textFieldKinds.size >= 10_000) textFieldKinds.clear();
    textFieldKinds.set(name, k);
  }
  return k;
}

// A dot and two letters (`[a-z]` under /iu also takes U+017F and U+212A): every domain token ends in one.
const TLD_DOT = /\.[a-z\u017f\u212a]{2}/gi;

/** A character that may be part of a domain token (any non-ASCII counts: a superset is all the scan needs). */
function mayBeInDomain(c: number): boolean {
  return c >= 128 || (isAsciiWordChar(c) && c !== 95) || c === 46 || c === 45;
}

/**
 * The matches of DOMAIN_TOKEN in `text`, in order, as a global scan finds them; but the costly regex only
 * runs from the start of the character run holding the next dot-and-two-letters (no token can start
 * between two such places), instead of being tried at every position of the text.
 */
function domainTokens(text: string): string[] {
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    TLD_DOT.lastIndex = pos;
    const dot = TLD_DOT.exec(text);
    if (dot === null) return out;
    let runStart = dot.index;
    while (runStart > pos && mayBeInDomain(text.charCodeAt(runStart - 1))) runStart--;
    DOMAIN_TOKEN.lastIndex = runStart;
    const m = DOMAIN_TOKEN.exec(text);
    if (m === null) return out;
    out.push(m[0]);
    pos = m.index + m[0].length;
  }
}

class Recorder {
  readonly transformations: Transformation[] = [];
  private readonly byField = new Map<string, Transformation[]>();
  // Calls come in runs for one field (a text's findings): its list is kept at hand, not looked up each time.
  private lastField: string | undefined;
  private lastList: Transformation[] = [];
  add(field: string, cls: string, action: Transformation['action'], rule: string): void {
    let list: Transformation[] | undefined = this.lastList;
    if (field !== this.lastField) {
      list = this.byField.get(field);
      if (!list) this.byField.set(field, (list = []));
      this.lastField = field;
      this.lastList = list;
    }
    for (const t of list) if (t.rule === rule && t.class === cls && t.action === action) return;
    const t = { field, class: cls, action, rule };
    list.push(t);
    this.transformations.push(t);
  }
  findings(field: string, fs: Finding[]): void {
    for (const x of fs) this.add(field, x.cls, x.action, x.rule);
  }
}

function coarsen(iso: string, fallback: string, now: Date, g: 'hour' | 'day'): string {
  let t = Date.parse(iso);
  if (Number.isNaN(t)) t = Date.parse(fallback);
  if (Number.isNaN(t)) t = now.getTime();
  const unit = g === 'day' ? 86_400_000 : 3_600_000;
  return new Date(Math.floor(t / unit) * unit).toISOString();
}

function topLevel(sector: string): string {
  return (sector.split(SECTOR_LEVEL_SEPARATOR)[0] ?? sector).trim().toLowerCase();
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((kv) => (kv.includes('=') ? `${kv.slice(0, kv.indexOf('=') + 1)}<masked>` : kv ? '<masked>' : kv))
    .join('&');
  return `${url.slice(0, q + 1)}${masked}`;
}

function hostOf(value: string, type: Indicator['type']): string | null {
  if (type === 'domain' || type === 'hostname' || type === 'tls-sni') return value.toLowerCase();
  if (type === 'email') return value.split('@')[1]?.toLowerCase() ?? null;
  if (type === 'url') {
    const m = URL_HOST.exec(value.replace(DEFANGED_SCHEME, 'http'));
    return m ? (m[1] as string).replace(DEFANGED_DOT, '.').toLowerCase() : null;
  }
  return null;
}

/** The event owns its data: a later edit of the draft (review redaction) must not reach the registry's agreement. */
function copyAudience(a: Audience): Audience {
  switch (a.kind) {
    case 'all':
      return { kind: 'all' };
    case 'same-sector':
      return { kind: 'same-sector', sector: a.sector };
    case 'named':
      return { kind: 'named', subscribers: [...a.subscribers] };
  }
}

function isScore(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 100;
}

function draftNumbersFit(e: SanitizedEvent): boolean {
  return isScore(e.severity.score) && isScore(e.confidence);
}

/**
 * Turns one canonical alert into a sanitized attack-technique event, with the reasons to hold it for review.
 * Pure: time comes in as `now`, the key and the k-anonymity view are supplied by the caller.
 */
export function deidentify(input: DeidentifyInput): DeidentifyResult {
  const { alert, customer, key, kView, now } = input;
  const opts: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...input.options };
  const compiled = input.compiled ?? compiledFor(customer);
  const caseId = caseIdFor(key.secret, alert.id);
  const pseudo = new Pseudonymizer(key.secret, caseId);
  const learned = learnFromAlert(alert, compiled);
  const hostIps = learned.ips.filter(
    (ip) => sideOfIp(ip, compiled.customerRanges, compiled.internalRanges) === 'external',
  );
  const learnedMatcher = learnedMatcherFor(compiled, learned, hostIps);
  const sanitizer = new TextSanitizer(compiled, learnedMatcher, pseudo);
  const scanner = new TextSanitizer(compiled, learnedMatcher, SCAN_ONLY_PSEUDONYMS, true);
  const rec = new Recorder();
  const reasons: HoldReason[] = [];
  const reason = (code: string, detail: string): void => {
    if (!reasons.some((r) => r.code === code)) reasons.push({ code, detail });
  };
  let risk = 0;
  let victimHits = 0;
  let opaque = 0;
  let namedInContent = false;
  let unclassified = false;
  const techniqueIds = alert.techniques.map((t) => t.id.toUpperCase());
  const phishingOrExtortion = techniqueIds.some((t) => PHISHING_OR_EXTORTION.test(t));
  const lookalikeDomains = new Set<string>();

  const scan = (field: string, text: string, content: boolean, released = true): string => {
    // Findings do not depend on the mode: a text already sanitized for release (a description repeated
    // as a free-text field) is not scanned again.
    const r = released ? sanitizer.sanitize(text) : (sanitizer.cached(text) ?? scanner.sanitize(text));
    rec.findings(field, r.findings);
    opaque += r.opaqueBlobs;
    for (const x of r.findings) {
      if (!x.victim) continue;
      victimHits++;
      if (
        content &&
        (x.kind === 'org' ||
          x.kind === 'keyword' ||
          x.kind === 'domain' ||
          x.kind === 'email' ||
          x.kind === 'user')
      )
        namedInContent = true;
    }
    return r.text;
  };
  // The same text recurs across fields (a description repeated as a message): its domains are checked once.
  const domainsChecked = new Set<string>();
  const domainsIn = (text: string): void => {
    if (!text.includes('.') || domainsChecked.has(text)) return;
    domainsChecked.add(text);
    for (const d of domainTokens(text)) {
      if (FILE_EXT_TLD.test(d) || DOTTED_NUMBER.test(d)) continue;
      if (isLookalike(d, compiled)) lookalikeDomains.add(d);
    }
  };

  // Free text: title, description, texts[] (texts are scanned for holds and extraction, never forwarded).
  const title = scan('title', alert.title, phishingOrExtortion);
  domainsIn(alert.title);
  const description =
    alert.description === undefined ? undefined : scan('description', alert.description, phishingOrExtortion);
  if (description !== undefined) domainsIn(alert.description ?? '');
  // Only released text can leak: residue in texts[] (never forwarded) does not hold the item.
  for (const [field, text] of [
    ['title', title],
    ['description', description ?? ''],
  ] as const) {
    if (hasUnclassifiedCjk(text)) {
      unclassified = true;
      rec.add(field, 'free-text', 'hold', 'R-TEXT-UNCLASSIFIED');
    }
  }
  const malware = new Set<string>();
  const cves = new Set<string>();
  for (const t of alert.texts) {
    const kind = textFieldKind(t.field);
    const field = kind.field;
    const content = kind.content || phishingOrExtortion;
    const malwareField = kind.malware;
    domainsIn(t.text);
    rec.add(field, 'free-text', 'drop', 'R-TEXT-NOT-FORWARDED');
    // A CVE id cannot carry victim data: taken from the text as it is.
    if (HAS_CVE.test(t.text)) for (const c of t.text.matchAll(CVE_RE)) cves.add(c[0].toUpperCase());
    // Texts are never forwarded: only content that may address the victim (mail, notes) is searched for
    // identifiers, and malware-name fields are sanitized because the names are released.
    if (!content && !malwareField) continue;
    const clean = scan(field, t.text, content, malwareField);
    if (malwareField) {
      for (const name of clean.split(NAME_LIST_SEPARATOR)) {
        const n = name.trim();
        if (n && n.length <= 128 && !n.includes('<') && !hasUnclassifiedCjk(n)) malware.add(n);
      }
    }
  }
  for (const s of [alert.title, alert.description ?? '', alert.rule?.name ?? ''])
    if (HAS_CVE.test(s)) for (const c of s.matchAll(CVE_RE)) cves.add(c[0].toUpperCase());

  // Indicators: only attacker/unknown-side values that survive.
  const indicators: SharedIndicator[] = [];
  const seenInd = new Set<string>();
  const flowPeers = new Set<string>();
  for (const n of alert.entities.network) {
    const s = n.srcIp ? sideOfIp(n.srcIp, compiled.customerRanges, compiled.internalRanges) : null;
    const d = n.dstIp ? sideOfIp(n.dstIp, compiled.customerRanges, compiled.internalRanges) : null;
    if (n.srcIp && s === 'external' && d !== null && d !== 'external') flowPeers.add(n.srcIp.toLowerCase());
    if (n.dstIp && d === 'external' && s !== null && s !== 'external') flowPeers.add(n.dstIp.toLowerCase());
  }
  alert.indicators.forEach((ind, i) => {
    const field = `indicators[${i}].${ind.type}`;
    let role = ind.role;
    let value = ind.value.trim();
    // Classified once: an address value is not rewritten below (only URLs are).
    let side: IpSide | null = null;
    if (ind.type === 'ipv4' || ind.type === 'ipv6') {
      side = sideOfIp(value, compiled.customerRanges, compiled.internalRanges);
      if (side === 'internal' || side === 'customer') {
        rec.add(
          field,
          side === 'internal' ? 'ip-internal' : 'ip-customer-range',
          'drop',
          side === 'internal' ? 'R-IP-INTERNAL' : 'R-IP-CUSTOMER-RANGE',
        );
        return;
      }
      if (hostIps.includes(value)) {
        rec.add(field, 'ip-victim', 'drop', 'R-IP-VICTIM-HOST');
        return;
      }
      if (flowPeers.has(value.toLowerCase())) role = 'attacker';
      else if (role === 'victim') {
        rec.add(field, 'ip-victim', 'drop', 'R-IP-ROLE-VICTIM');
        return;
      }
    } else if (role === 'victim' || ind.type === 'mac') {
      rec.add(
        field,
        ind.type === 'mac' ? 'mac' : 'victim-observable',
        'drop',
        ind.type === 'mac' ? 'R-MAC' : 'R-ROLE-VICTIM',
      );
      return;
    }
    if (ind.type === 'asn' && role !== 'attacker') {
      rec.add(field, 'asn', 'drop', 'R-ASN-NOT-ATTACKER');
      return;
    }
    if (ind.type === 'url') {
      const stripped = stripQuery(value);
      if (stripped !== value) rec.add(field, 'url-query', 'mask', 'R-URL-QUERY');
      value = stripped;
    }
    const host = hostOf(value, ind.type);
    if (host && isLookalike(host, compiled)) {
      // Kept verbatim in the draft: the item is held, and the reviewer decides on the attacker's infrastructure.
      lookalikeDomains.add(host);
      indicators.push({ type: ind.type, value, role: 'attacker' });
      rec.add(field, 'lookalike-domain', 'hold', 'R-LOOKALIKE');
      return;
    }
    // A hash, JA3 or CVE is its own format, and an address was classified above (side, host IPs):
    // nothing of the victim's can hide in them.
    const r =
      (OPAQUE_INDICATOR.test(ind.type) && OPAQUE_VALUE.test(value)) ||
      ((ind.type === 'ipv4' || ind.type === 'ipv6') && side !== null)
        ? NOTHING_FOUND
        : sanitizer.sanitize(value);
    if (r.findings.some((x) => x.victim)) {
      rec.findings(field, r.findings);
      rec.add(field, 'victim-observable', 'drop', 'R-INDICATOR-VICTIM');
      victimHits++;
      return;
    }
    const k = `${ind.type}|${value}`;
    if (seenInd.has(k)) return;
    seenInd.add(k);
    indicators.push({ type: ind.type, value, role });
    rec.add(field, ind.type, 'keep', role === 'attacker' ? 'R-KEEP-ATTACKER' : 'R-KEEP-UNKNOWN');
  });
  // File hashes from the alert's process and file entities are attack-technique data.
  for (const e of [...alert.entities.processes, ...alert.entities.files]) {
    for (const [type, v] of Object.entries(e.hashes ?? {}) as Array<
      [SharedIndicator['type'], string | undefined]
    >) {
      if (!v || !HEX_VALUE.test(v)) continue;
      const k = `${type}|${v.toLowerCase()}`;
      if (seenInd.has(k)) continue;
      seenInd.add(k);
      indicators.push({ type, value: v.toLowerCase(), role: 'unknown' });
      rec.add(`${e.field}.hashes.${type}`, type, 'keep', 'R-KEEP-HASH');
    }
  }
  for (const ind of alert.indicators) if (ind.type === 'cve') cves.add(ind.value.toUpperCase());

  // Structured victim fields never forwarded.
  for (const h of alert.entities.hosts) {
    if (h.name) rec.add(`${h.field}.name`, 'host-name', 'pseudonymize', 'R-ENTITY-HOST');
    if (h.ips.length) rec.add(`${h.field}.ips`, 'ip-victim', 'drop', 'R-ENTITY-HOST-IP');
    if (h.macs.length) rec.add(`${h.field}.macs`, 'mac', 'drop', 'R-ENTITY-MAC');
    if (h.id) rec.add(`${h.field}.id`, 'host-id', 'drop', 'R-ENTITY-HOST-ID');
    if (h.domain) rec.add(`${h.field}.domain`, 'victim-domain', 'drop', 'R-ENTITY-DOMAIN');
  }
  for (const u of alert.entities.users) {
    if (u.name) rec.add(`${u.field}.name`, 'user-name', 'pseudonymize', 'R-ENTITY-USER');
    if (u.email) rec.add(`${u.field}.email`, 'email', 'drop', 'R-ENTITY-EMAIL');
    if (u.id) rec.add(`${u.field}.id`, 'account-id', 'drop', 'R-ENTITY-SID');
    if (u.domain) rec.add(`${u.field}.domain`, 'victim-domain', 'drop', 'R-ENTITY-DOMAIN');
  }
  for (const p of alert.entities.processes) rec.add(p.field, 'process', 'drop', 'R-ENTITY-PROCESS');
  for (const fl of alert.entities.files) rec.add(fl.field, 'file', 'drop', 'R-ENTITY-FILE');
  for (const n of alert.entities.network) rec.add(n.field, 'network-flow', 'drop', 'R-ENTITY-FLOW');
  rec.add('sourceOrg', 'customer-id', 'drop', 'R-CUSTOMER-ID');
  if (alert.nativeId) rec.add('nativeId', 'tenant-id', 'drop', 'R-NATIVE-ID');
  if (alert.product.vendor || alert.product.name)
    rec.add('product', 'detecting-product', 'drop', 'R-PRODUCT');
  rec.add('original', 'original-record', 'drop', 'R-ORIGINAL');
  rec.add('id', 'alert-id', 'pseudonymize', 'R-CASE-ID');

  let signature: SanitizedEvent['signature'];
  if (alert.rule?.public) {
    const name = alert.rule.name === undefined ? undefined : scan('rule.name', alert.rule.name, false);
    signature = { ...(alert.rule.id ? { id: alert.rule.id } : {}), ...(name ? { name } : {}) };
    if (name && hasUnclassifiedCjk(name)) {
      unclassified = true;
      rec.add('rule.name', 'free-text', 'hold', 'R-TEXT-UNCLASSIFIED');
    }
    rec.add('rule', 'public-signature', 'keep', 'R-KEEP-PUBLIC-SIGNATURE');
  } else if (alert.rule) {
    rec.add('rule', 'private-rule', 'drop', 'R-PRIVATE-RULE');
  }

  const observedAt = coarsen(alert.observedAt, alert.receivedAt, now, opts.timeGranularity);
  rec.add(
    'observedAt',
    'timestamp',
    'generalize',
    opts.timeGranularity === 'day' ? 'R-TIME-DAY' : 'R-TIME-HOUR',
  );

  const context: SanitizedEvent['context'] = {};
  const sector = topLevel(customer.sector);
  if (sector && kView.customersWithSector(sector) >= opts.kAnonymity) {
    context.sector = sector;
    rec.add('context.sector', 'sector', 'generalize', 'R-K-SECTOR');
    risk += 5;
  } else rec.add('context.sector', 'sector', 'drop', 'R-K-SECTOR-RARE');
  const country = customer.region.country.toUpperCase();
  if (kView.customersWithCountry(country) >= opts.kAnonymity) {
    context.country = country;
    rec.add('context.country', 'region', 'generalize', 'R-K-COUNTRY');
    risk += 5;
  } else rec.add('context.country', 'region', 'drop', 'R-K-COUNTRY-RARE');
  if (
    context.sector !== undefined &&
    context.country !== undefined &&
    kView.customersWithSectorAndCountry &&
    kView.customersWithSectorAndCountry(context.sector, context.country) < opts.kAnonymity
  ) {
    delete context.country;
    risk -= 5;
    rec.add('context.country', 'region', 'drop', 'R-K-SECTOR-COUNTRY-RARE');
  }
  if (customer.region.prefecture || customer.region.city)
    rec.add('context.region', 'region', 'drop', 'R-REGION-DETAIL');

  const knownTechniques = alert.techniques.filter((t) => t.known).length;
  const confidence = Math.min(
    100,
    40 +
      (knownTechniques > 0 ? 20 : 0) +
      (signature ? 15 : 0) +
      (indicators.some((i) => i.role === 'attacker') ? 15 : 0) +
      (alert.severity.score >= 70 ? 10 : 0),
  );

  const agreement = customer.agreement;
  const embargoUntil =
    agreement.embargoHours > 0
      ? new Date(now.getTime() + agreement.embargoHours * 3_600_000).toISOString()
      : undefined;
  const draft: SanitizedEvent = {
    eventId: deterministicId('event', alert.id),
    caseId,
    observedAt,
    title,
    ...(description !== undefined ? { description } : {}),
    severity: { score: alert.severity.score, label: alert.severity.label },
    techniques: alert.techniques.map((t) => ({
      id: t.id.toUpperCase(),
      ...(t.name ? { name: t.name } : {}),
    })),
    tactics: alert.tactics.map((t) => ({
      ...(t.id ? { id: t.id } : {}),
      ...(t.shortname ? { shortname: t.shortname } : {}),
    })),
    indicators,
    malware: [...malware].sort(),
    cves: [...cves].sort(),
    ...(signature ? { signature } : {}),
    context,
    ...(alert.occurrences !== undefined ? { occurrences: occurrenceBucket(alert.occurrences) } : {}),
    confidence,
    distribution: {
      tlp: agreement.defaultTlp,
      audience: copyAudience(agreement.audience),
      agreementVersion: agreement.version,
      ...(agreement.nameSubmittingSoc ? {} : { anonymousProducer: true }),
      ...(embargoUntil ? { embargoUntil } : {}),
    },
  };

  // Holds and residual risk.
  if (lookalikeDomains.size > 0) {
    reason('LOOKALIKE_DOMAIN', `${lookalikeDomains.size} domain(s) imitate the customer's domains or brand`);
    risk += 40;
  }
  if (namedInContent) {
    reason('VICTIM_NAMED_IN_CONTENT', 'phishing, extortion or message content names or addresses the victim');
    risk += 40;
  }
  if (unclassified) {
    reason(
      'UNCLASSIFIED_TEXT',
      'free text remains that the engine cannot classify (e.g. names in CJK script)',
    );
    risk += 30;
  }
  if (!agreement.autoRelease)
    reason('AGREEMENT_REQUIRES_REVIEW', `agreement v${agreement.version} requires review of every item`);
  if (agreement.defaultTlp === 'red') reason('TLP_RED', 'TLP:RED items are never released automatically');
  risk += Math.min(20, victimHits * 2);
  risk += Math.min(15, opaque * 5);
  risk += Math.min(
    15,
    indicators.filter(
      (i) => i.role === 'unknown' && (i.type === 'ipv4' || i.type === 'ipv6' || i.type === 'domain'),
    ).length * 3,
  );

  // The draft is built field by field from a validated alert and customer; the SanitizedEvent contract is
  // enforced where the event leaves, by encodeEvent at the Kafka boundary, so it is not parsed twice here.
  // The numbers are the only fields computed here that the schema bounds.
  if (!draftNumbersFit(draft)) reason('SCHEMA', 'sanitized draft does not match the SanitizedEvent schema');
  const event = draft;

  const dict: VictimDictionary = buildVictimDictionary(customer, alert);
  const guard = egressGuardValue(event, dict);
  if (!guard.ok) {
    reason(
      'EGRESS_GUARD',
      `egress guard found ${guard.hits.map((h) => `${h.kind} in ${h.view} view`).join(', ')}`,
    );
    risk = 100;
  }
  risk = Math.max(0, Math.min(100, Math.round(risk)));
  if (risk > opts.riskThreshold)
    reason('RISK_THRESHOLD', `residual risk ${risk} over threshold ${opts.riskThreshold}`);
  if (reasons.length > 0) rec.add('event', 'decision', 'hold', 'R-HOLD');
  return {
    decision: reasons.length > 0 ? 'hold' : 'release',
    event,
    reasons,
    risk,
    transformations: rec.transformations,
  };
}

/** The bucket of a native repeat count (counts are quasi-identifiers: see OccurrenceBucket). */
export function occurrenceBucket(count: number): OccurrenceBucket {
  if (count <= 1) return '1';
  if (count < 10) return '2-9';
  if (count < 100) return '10-99';
  if (count < 1000) return '100-999';
  return '1000+';
}
