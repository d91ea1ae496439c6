import {
  ALERT_SCHEMA_VERSION,
  type Alert,
  type AlertFormat,
  type FileEntity,
  type HostEntity,
  type Indicator,
  type IndicatorRole,
  type IndicatorType,
  type NetworkDirection,
  type NetworkEntity,
  type ProcessEntity,
  type Product,
  type Rule,
  type Severity,
  type UserEntity,
} from '@kyoyu/contracts';
import { AttackCollector, type AttackCatalogue } from './attack';
import { classifyIp, ipKind, isDomain, labelFor, clampScore, truncate } from './util';

/*
 * Indicator roles — the decision rules, applied in this order:
 *  1. Address space: an IP in RFC 1918, RFC 6598, loopback, link-local, unspecified or IPv6 ULA /
 *     link-local space is `victim` (internal side), always. Multicast/broadcast is `unknown`.
 *  2. Field semantics named by the source win for external addresses: Suricata
 *     `alert.metadata.hostile` (names src_ip or dest_ip), Wazuh `data.srcip` / AWS `remoteIpDetails`,
 *     ECS `threat.indicator.*` and `threat.enrichments`, OCSF `attacks`/`malware` evidences → `attacker`.
 *  3. Direction: the external peer of an internal host is `attacker` (malware/C2/exploit alerts).
 *     Exception: Suricata policy/informational categories (ET POLICY/INFO, "Not Suspicious Traffic",
 *     "Misc activity", ...) → `unknown`, because the peer there is merely visited, not hostile.
 *     CEF `deviceDirection` (0 inbound → src is the outside party, 1 outbound → dst is), ECS/OCSF
 *     `network.direction` inbound/outbound do the same when both addresses are external.
 *  4. Both external and no hint → `unknown`.
 *  Names follow the side they belong to: `http.hostname`/`url`/`tls.sni` take the role of the server
 *  side of the flow (so the host name of an inbound attack is the victim's web server), user agents the
 *  client side. Asset names (host.name, agent.name, shost, device.hostname), users, e-mail recipients,
 *  MACs and file paths on the host are `victim`. Hashes, JA3/JA3S and CVEs of a detection are
 *  `attacker` (they describe the tool or the exploited weakness), except Wazuh file-integrity
 *  (syscheck) hashes, which describe the victim's own files (`unknown`). Bare file names are `unknown`.
 */

export type Side = { ip?: string; role: IndicatorRole };

export function roleOfIp(ip: string | undefined): IndicatorRole | undefined {
  if (!ip) return undefined;
  const c = classifyIp(ip);
  return c === undefined ? undefined : roleOf(c);
}

const roleOf = (c: { internal: boolean; special: boolean }): IndicatorRole | undefined =>
  c.internal ? 'victim' : c.special ? 'unknown' : undefined; // external: decided by the caller

/** Roles of a (src, dst) pair by rules 1–4. `hostile` names the side known to be hostile, if any. */
export function pairRoles(
  src: string | undefined,
  dst: string | undefined,
  opts: { hostile?: 'src' | 'dst'; direction?: NetworkDirection; peerIsAttacker?: boolean } = {},
): { src: IndicatorRole; dst: IndicatorRole } {
  const peerIsAttacker = opts.peerIsAttacker ?? true;
  let s = roleOfIp(src);
  let d = roleOfIp(dst);
  if (opts.hostile === 'src' && s === undefined) s = 'attacker';
  if (opts.hostile === 'dst' && d === undefined) d = 'attacker';
  if (opts.hostile === 'src' && d === undefined) d = 'victim';
  if (opts.hostile === 'dst' && s === undefined) s = 'victim';
  if (s === undefined && d === 'victim') s = peerIsAttacker ? 'attacker' : 'unknown';
  if (d === undefined && s === 'victim') d = peerIsAttacker ? 'attacker' : 'unknown';
  if (s === undefined && d === undefined) {
    if (opts.direction === 'inbound') return { src: 'attacker', dst: 'unknown' };
    if (opts.direction === 'outbound') return { src: 'unknown', dst: 'attacker' };
  }
  return { src: s ?? 'unknown', dst: d ?? 'unknown' };
}

const HEX = /^[0-9a-fA-F]+$/;
export function hashType(v: string): 'md5' | 'sha1' | 'sha256' | 'sha512' | undefined {
  if (!HEX.test(v)) return undefined;
  switch (v.length) {
    case 32:
      return 'md5';
    case 40:
      return 'sha1';
    case 64:
      return 'sha256';
    case 128:
      return 'sha512';
    default:
      return undefined;
  }
}

const CVE = /\bCVE-\d{4}-\d{4,7}\b/gi;
const LINEAR_DEDUPE_MAX = 48;
const hasOwn = Object.prototype.hasOwnProperty;
const MAX_TEXT = 64 * 1024;

export class AlertBuilder {
  readonly attack: AttackCollector;
  nativeId: string | undefined;
  observedAt: string | undefined;
  severity: Severity = { score: 0, label: 'info' };
  title = '';
  description: string | undefined;
  product: Product = {};
  rule: Rule | undefined;
  private readonly indicators: Indicator[] = [];
  private indicatorKeys: Set<string> | undefined;
  private readonly texts: { field: string; text: string }[] = [];
  private textKeys: Set<string> | undefined;
  readonly hosts: HostEntity[] = [];
  readonly users: UserEntity[] = [];
  readonly processes: ProcessEntity[] = [];
  readonly files: FileEntity[] = [];
  readonly network: NetworkEntity[] = [];

  constructor(
    readonly format: AlertFormat,
    catalogue: AttackCatalogue | undefined,
  ) {
    this.attack = new AttackCollector(catalogue);
  }

  /** A native repeat count; anything that is not a positive safe integer is ignored. */
  occurrences: number | undefined;
  setOccurrences(n: number | undefined): void {
    if (n !== undefined && Number.isSafeInteger(n) && n >= 1) this.occurrences = n;
  }

  setSeverity(score: number, native?: string | number): void {
    const s = clampScore(score);
    this.severity = { score: s, label: labelFor(s) };
    if (native !== undefined) this.severity.native = native;
  }

  indicator(type: IndicatorType, value: string | undefined, role: IndicatorRole, field: string): void {
    if (!value) return;
    const v = truncate(value.trim(), 8192);
    if (v.length === 0) return;
    if (this.hasIndicator(type, v, field)) return;
    this.indicators.push({ type, value: v, role, field });
  }

  ip(value: string | undefined, role: IndicatorRole, field: string): void {
    if (!value) return;
    const c = classifyIp(value.trim());
    if (c) this.indicator(c.kind, value, roleOf(c) ?? role, field);
  }

  /** A domain or an address in a host-name field. */
  host(
    value: string | undefined,
    role: IndicatorRole,
    field: string,
    type: 'domain' | 'hostname' = 'domain',
  ): void {
    if (!value) return;
    const v = value.trim().replace(/\.$/, '');
    if (ipKind(v)) return this.ip(v, role, field);
    if (type === 'domain' && !isDomain(v)) return this.indicator('hostname', v, role, field);
    this.indicator(type, v, role, field);
  }

  url(value: string | undefined, role: IndicatorRole, field: string): void {
    if (!value) return;
    this.indicator('url', value, role, field);
    this.text(field, value);
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(value.trim());
    if (m?.[1]) this.host(m[1].replace(/^\[|\]$/g, ''), role, field);
  }

  hash(value: string | undefined, role: IndicatorRole, field: string): void {
    if (!value) return;
    const v = value.trim();
    const t = hashType(v);
    if (t) this.indicator(t, v.toLowerCase(), role, field);
  }

  email(value: string | undefined, role: IndicatorRole, field: string): void {
    if (value && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim())) this.indicator('email', value, role, field);
  }

  cves(text: string | undefined, field: string): void {
    if (!text || text.search(/cve-/i) < 0) return;
    for (const m of text.slice(0, MAX_TEXT).matchAll(CVE))
      this.indicator('cve', m[0].toUpperCase(), 'attacker', field);
  }

  filePath(path: string | undefined, field: string): void {
    if (!path) return;
    this.indicator('file-path', path, 'victim', field);
    this.text(field, path);
  }

  fileName(name: string | undefined, field: string): void {
    if (name) this.indicator('filename', name, 'unknown', field);
  }

  /** Every free-text field: de-identification scans these. */
  text(field: string, text: string | undefined): void {
    if (!text) return;
    const t = truncate(text, MAX_TEXT);
    if (t.trim().length === 0) return;
    if (this.hasText(field, t)) return;
    this.texts.push({ field, text: t });
  }

  /*
   * De-duplication: a linear scan while the lists are short (the usual alert has a few dozen entries,
   * and comparing strings of different lengths is cheap), a key set once they grow, so a record with
   * thousands of fields stays linear.
   */
  private hasIndicator(type: IndicatorType, value: string, field: string): boolean {
    const list = this.indicators;
    if (list.length < LINEAR_DEDUPE_MAX) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as Indicator;
        if (e.value === value && e.field === field && e.type === type) return true;
      }
      return false;
    }
    if (!this.indicatorKeys) {
      this.indicatorKeys = new Set();
      for (const e of list) this.indicatorKeys.add(`${e.type}\u0000${e.value}\u0000${e.field}`);
    }
    const key = `${type}\u0000${value}\u0000${field}`;
    if (this.indicatorKeys.has(key)) return true;
    this.indicatorKeys.add(key);
    return false;
  }

  private hasText(field: string, text: string): boolean {
    const list = this.texts;
    if (list.length < LINEAR_DEDUPE_MAX) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as { field: string; text: string };
        if (e.text === text && e.field === field) return true;
      }
      return false;
    }
    if (!this.textKeys) {
      this.textKeys = new Set();
      for (const e of list) this.textKeys.add(`${e.field}\u0000${e.text}`);
    }
    const key = `${field}\u0000${text}`;
    if (this.textKeys.has(key)) return true;
    this.textKeys.add(key);
    return false;
  }

  /** A descriptive text (title, rule, tags): kept as text, scanned for ATT&CK ids and CVEs. */
  described(field: string, text: string | undefined): void {
    if (!text) return;
    this.text(field, text);
    this.attack.fromText(text);
    this.cves(text, field);
  }

  build(ctx: {
    id: string;
    sourceOrg: string;
    receivedAt: string;
    raw: string;
    contentType: 'json' | 'text';
  }): Alert {
    const alert: Alert = {
      schemaVersion: ALERT_SCHEMA_VERSION,
      id: ctx.id,
      sourceOrg: ctx.sourceOrg,
      format: this.format,
      observedAt: this.observedAt ?? ctx.receivedAt,
      receivedAt: ctx.receivedAt,
      severity: this.severity,
      title: this.title || `${this.format} alert`,
      techniques: this.attack.resultTechniques(),
      tactics: this.attack.resultTactics(),
      indicators: this.indicators,
      entities: {
        hosts: this.hosts,
        users: this.users,
        processes: this.processes,
        files: this.files,
        network: this.network,
      },
      product: this.product,
      texts: this.texts,
      original: { raw: ctx.raw, contentType: ctx.contentType },
    };
    if (this.nativeId) alert.nativeId = this.nativeId;
    if (this.description) alert.description = this.description;
    if (this.occurrences !== undefined) alert.occurrences = this.occurrences;
    if (this.rule) alert.rule = this.rule;
    return alert;
  }
}

/**
 * Drops undefined members so optional schema fields stay absent. Copies instead of `delete`, which
 * would turn the object into a slow dictionary-mode object.
 */
export function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined && hasOwn.call(o, k)) out[k] = o[k];
  return out;
}
