import { compact, pairRoles, type AlertBuilder } from '../builder';
import { arr, compilePath, getPath, isObj, int, num, type Obj, str, strs, toIso } from '../util';
import type { NetworkDirection } from '@kyoyu/contracts';

/*
 * Every dotted path below is compiled once at module load (see compilePath): an ECS alert is read
 * through ~150 path lookups, and splitting path strings per record was a fifth of the mapping cost.
 */
type Read = (doc: unknown) => unknown;
type ReadStr = (doc: unknown) => string | undefined;

/** The value at a dotted path (flat, nested or mixed), own properties only. */
const at = (path: string): Read => {
  const p = compilePath(path);
  return (doc) => getPath(doc, p);
};

/** The first path holding a non-empty scalar, as a string. */
const firstOf = (...paths: string[]): ReadStr => {
  const plans = paths.map(compilePath);
  return (doc) => {
    for (let i = 0; i < plans.length; i++) {
      const v = str(getPath(doc, plans[i] as (typeof plans)[number]));
      if (v !== undefined) return v;
    }
    return undefined;
  };
};

const EVENT_KIND = firstOf('event.kind');
export const isEcsAlert = (doc: Obj): boolean => {
  const k = EVENT_KIND(doc);
  return k === 'alert' || k === 'signal';
};

/** Vendor modules whose detections are the vendor's published content (rule.public = true). */
const VENDOR_MODULES = new Set([
  'endpoint',
  'crowdstrike',
  'sentinel_one',
  'microsoft_defender_endpoint',
  'm365_defender',
  'carbonblack_edr',
  'cylance',
  'sophos',
]);

const R = {
  ruleName: firstOf('kibana.alert.rule.name', 'signal.rule.name', 'rule.name'),
  titleFallback: firstOf('message', 'event.action', 'event.code'),
  description: firstOf(
    'kibana.alert.rule.description',
    'signal.rule.description',
    'rule.description',
    'message',
  ),
  nativeId: firstOf('kibana.alert.uuid', 'event.id'),
  originalTime: at('kibana.alert.original_time'),
  timestamp: at('@timestamp'),
  riskScore: at('kibana.alert.risk_score'),
  thresholdCount: at('kibana.alert.threshold_result.count'),
  signalRiskScore: at('signal.rule.risk_score'),
  eventRiskScore: at('event.risk_score'),
  eventSeverity: at('event.severity'),
  severity: firstOf('kibana.alert.severity', 'signal.rule.severity'),
  module: firstOf('event.module', 'data_stream.dataset'),
  immutable: [
    at('kibana.alert.rule.parameters.immutable'),
    at('kibana.alert.rule.immutable'),
    at('signal.rule.immutable'),
  ],
  ruleset: at('rule.ruleset'),
  ruleId: firstOf('kibana.alert.rule.rule_id', 'signal.rule.rule_id', 'rule.id', 'rule.uuid', 'event.code'),
  ruleCategory: firstOf('kibana.alert.rule.type', 'rule.category'),
  observerVendor: firstOf('observer.vendor'),
  observerProduct: firstOf('observer.product'),
  productVersion: firstOf('observer.version', 'agent.version'),
  message: firstOf('message'),
  eventOriginal: firstOf('event.original'),
  tags: (['tags', 'kibana.alert.rule.tags', 'signal.rule.tags', 'rule.tags'] as const).map(
    (p) => [p, at(p)] as const,
  ),
  reason: firstOf('kibana.alert.reason', 'signal.reason'),
  ruleThreat: at('kibana.alert.rule.threat'),
  signalThreat: at('signal.rule.threat'),
  technique: at('technique'),
  tactic: at('tactic'),
  id: at('id'),
  hostName: firstOf('host.name', 'host.hostname'),
  hostIp: at('host.ip'),
  hostDomain: firstOf('host.domain'),
  hostId: firstOf('host.id'),
  hostOs: firstOf('host.os.name', 'host.os.full'),
  hostMac: at('host.mac'),
  userName: firstOf('user.name'),
  userIdOrEmail: firstOf('user.id', 'user.email'),
  userDomain: firstOf('user.domain'),
  userEmail: firstOf('user.email'),
  userId: firstOf('user.id'),
  relatedUser: at('related.user'),
  relatedHosts: at('related.hosts'),
  sourceIp: firstOf('source.ip'),
  destinationIp: firstOf('destination.ip'),
  direction: firstOf('network.direction'),
  sourcePort: at('source.port'),
  destinationPort: at('destination.port'),
  protocol: firstOf('network.transport', 'network.protocol'),
  sourceDomain: firstOf('source.domain'),
  destinationDomain: firstOf('destination.domain'),
  url: firstOf('url.full', 'url.original'),
  urlDomain: firstOf('url.domain'),
  userAgent: firstOf('user_agent.original'),
  dnsQuestion: firstOf('dns.question.name'),
  ja3: firstOf('tls.client.ja3'),
  ja3s: firstOf('tls.server.ja3s'),
  sni: firstOf('tls.client.server_name'),
  x509Subject: firstOf('tls.server.x509.subject.distinguished_name'),
  emailSubject: firstOf('email.subject'),
  emailTo: at('email.to.address'),
  emailFrom: at('email.from.address'),
  parentName: firstOf('process.parent.name'),
  parentCommandLine: firstOf('process.parent.command_line'),
  filePath: firstOf('file.path'),
  fileName: firstOf('file.name'),
  fileSize: at('file.size'),
  fileHash: {
    md5: firstOf('file.hash.md5'),
    sha1: firstOf('file.hash.sha1'),
    sha256: firstOf('file.hash.sha256'),
    sha512: firstOf('file.hash.sha512'),
  },
  relatedHash: at('related.hash'),
  vulnerabilityId: at('vulnerability.id'),
  threatIndicator: at('threat.indicator'),
  threatEnrichments: at('threat.enrichments'),
  indicator: at('indicator'),
  indUrl: firstOf('url.full', 'url.original'),
  indDomain: firstOf('url.domain', 'domain'),
  indHash: (['md5', 'sha1', 'sha256'] as const).map((k) => [k, firstOf(`file.hash.${k}`)] as const),
  indEmail: firstOf('email.address'),
};

/** `process` and `process.parent`: the same fields under two prefixes. */
const PROCESSES = (['process', 'process.parent'] as const).map((p) => ({
  prefix: p,
  name: firstOf(`${p}.name`),
  commandLine: firstOf(`${p}.command_line`),
  executable: firstOf(`${p}.executable`),
  pid: at(`${p}.pid`),
  hash: {
    md5: firstOf(`${p}.hash.md5`),
    sha1: firstOf(`${p}.hash.sha1`),
    sha256: firstOf(`${p}.hash.sha256`),
    sha512: firstOf(`${p}.hash.sha512`),
  },
  fields: {
    commandLine: `${p}.command_line`,
    executable: `${p}.executable`,
    hash: {
      md5: `${p}.hash.md5`,
      sha1: `${p}.hash.sha1`,
      sha256: `${p}.hash.sha256`,
      sha512: `${p}.hash.sha512`,
    },
  } as const,
}));

const hashesOf = (
  doc: Obj,
  h: typeof R.fileHash,
): { md5?: string; sha1?: string; sha256?: string; sha512?: string } =>
  compact({ md5: h.md5(doc), sha1: h.sha1(doc), sha256: h.sha256(doc), sha512: h.sha512(doc) });

/**
 * Elastic ECS 8.x alert documents, flat (`kibana.alert.rule.name`) or nested, incl. Elastic Security
 * signals and Elastic Defend / CrowdStrike / SentinelOne integration alerts.
 * Severity: `kibana.alert.risk_score` (0–100), else `event.risk_score`, else `event.severity`
 * (clamped to 0–100; integrations use 0–100 or 1–4 style scales: values ≤ 4 with
 * `kibana.alert.severity` absent are scaled ×25). `kibana.alert.severity` string is kept as native.
 * Rule public: Elastic prebuilt rules (`kibana.alert.rule.parameters.immutable` / `immutable` true,
 * `rule.ruleset: production`) and detections of vendor EDR modules; custom rules → private.
 */
export function mapEcs(doc: Obj, b: AlertBuilder, hitId: string | undefined): void {
  const ruleName = R.ruleName(doc);
  b.title = ruleName ?? R.titleFallback(doc) ?? 'ECS alert';
  b.description = R.description(doc);
  b.nativeId = R.nativeId(doc) ?? hitId;
  b.observedAt = toIso(R.originalTime(doc)) ?? toIso(R.timestamp(doc));
  const risk = num(R.riskScore(doc)) ?? num(R.signalRiskScore(doc)) ?? num(R.eventRiskScore(doc));
  const evSev = num(R.eventSeverity(doc));
  b.setOccurrences(int(R.thresholdCount(doc)));
  const sevStr = R.severity(doc);
  if (risk !== undefined) b.setSeverity(risk, sevStr ?? risk);
  else if (sevStr) b.setSeverity(SEVERITY_WORDS.get(sevStr.toLowerCase()) ?? 50, sevStr);
  else if (evSev !== undefined) b.setSeverity(evSev <= 4 ? evSev * 25 : evSev, evSev);

  const dataset = R.module(doc);
  const dot = dataset?.indexOf('.') ?? -1;
  const module = dot < 0 ? dataset : dataset?.slice(0, dot);
  const immutable = R.immutable.some((read) => read(doc) === true) || str(R.ruleset(doc)) === 'production';
  b.rule = compact({
    id: R.ruleId(doc),
    name: ruleName,
    category: R.ruleCategory(doc),
    public: immutable || (module !== undefined && VENDOR_MODULES.has(module)),
  });
  b.product = compact({
    vendor:
      R.observerVendor(doc) ??
      (module === 'endpoint'
        ? 'Elastic'
        : module === 'crowdstrike'
          ? 'CrowdStrike'
          : module === 'sentinel_one'
            ? 'SentinelOne'
            : undefined),
    name:
      R.observerProduct(doc) ??
      (module === 'endpoint' ? 'Elastic Defend' : module === 'crowdstrike' ? 'Falcon' : module),
    version: R.productVersion(doc),
  });
  b.described('rule.name', ruleName);
  b.described('rule.description', b.description);
  b.text('message', R.message(doc));
  b.text('event.original', R.eventOriginal(doc));
  for (const [p, read] of R.tags) for (const t of strs(read(doc))) b.described(p, t);
  b.text('kibana.alert.reason', R.reason(doc));

  // ATT&CK: threat.* (ECS), kibana.alert.rule.threat[] / signal.rule.threat[] (Elastic Security).
  for (const tv of [doc['threat'], R.ruleThreat(doc), R.signalThreat(doc)])
    for (const t of arr(tv)) {
      if (!isObj(t)) continue;
      for (const tech of arr(R.technique(t))) {
        if (!isObj(tech)) continue;
        const ids = strs(tech['id']);
        const names = strs(tech['name']);
        ids.forEach((id, i) =>
          TECHNIQUE_ID.test(id) ? b.attack.technique(id, names[i]) : b.text('threat.technique.id', id),
        );
        for (const sub of arr(tech['subtechnique'])) for (const id of strs(R.id(sub))) b.attack.technique(id);
      }
      for (const tac of arr(R.tactic(t))) {
        if (!isObj(tac)) continue;
        const ids = strs(tac['id']);
        const names = strs(tac['name']);
        ids.forEach((id, i) =>
          TACTIC_ID.test(id) ? b.attack.tactic(id, names[i]) : b.text('threat.tactic.id', id),
        );
        if (ids.length === 0) names.forEach((n) => b.attack.tactic(n));
      }
    }

  // Hosts and users: the customer's.
  const hostName = R.hostName(doc);
  const hostIps = strs(R.hostIp(doc));
  if (hostName || hostIps.length) {
    const macs = strs(R.hostMac(doc));
    b.hosts.push(
      compact({
        name: hostName,
        domain: R.hostDomain(doc),
        id: R.hostId(doc),
        os: R.hostOs(doc),
        ips: hostIps,
        macs,
        field: 'host',
      }),
    );
    b.host(hostName, 'victim', 'host.name', 'hostname');
    for (const ip of hostIps) b.ip(ip, 'victim', 'host.ip');
    for (const m of macs) b.indicator('mac', m, 'victim', 'host.mac');
  }
  const userName = R.userName(doc);
  if (userName || R.userIdOrEmail(doc)) {
    const email = R.userEmail(doc);
    b.users.push(
      compact({ name: userName, domain: R.userDomain(doc), email, id: R.userId(doc), field: 'user' }),
    );
    b.email(email, 'victim', 'user.email');
  }
  for (const u of strs(R.relatedUser(doc))) b.text('related.user', u);
  for (const h of strs(R.relatedHosts(doc))) b.text('related.hosts', h);

  // Network.
  const src = R.sourceIp(doc);
  const dst = R.destinationIp(doc);
  const dir = R.direction(doc);
  const direction: NetworkDirection =
    dir === 'inbound' || dir === 'outbound' || dir === 'internal' || dir === 'external' ? dir : 'unknown';
  const roles = pairRoles(src, dst, { direction });
  if (src || dst) {
    b.ip(src, roles.src, 'source.ip');
    b.ip(dst, roles.dst, 'destination.ip');
    b.network.push(
      compact({
        srcIp: src,
        srcPort: int(R.sourcePort(doc)),
        dstIp: dst,
        dstPort: int(R.destinationPort(doc)),
        protocol: R.protocol(doc),
        direction,
        field: 'source,destination',
      }),
    );
  }
  b.host(R.sourceDomain(doc), roles.src, 'source.domain');
  b.host(R.destinationDomain(doc), roles.dst, 'destination.domain');
  b.url(R.url(doc), roles.dst, 'url.full');
  b.host(R.urlDomain(doc), roles.dst, 'url.domain');
  const ua = R.userAgent(doc);
  if (ua) {
    b.indicator('user-agent', ua, roles.src, 'user_agent.original');
    b.text('user_agent.original', ua);
  }
  b.host(R.dnsQuestion(doc), 'unknown', 'dns.question.name');
  b.indicator('ja3', R.ja3(doc), 'attacker', 'tls.client.ja3');
  b.indicator('ja3s', R.ja3s(doc), 'attacker', 'tls.server.ja3s');
  const sni = R.sni(doc);
  if (sni) b.indicator('tls-sni', sni, roles.dst, 'tls.client.server_name');
  b.text('tls.server.x509.subject.distinguished_name', R.x509Subject(doc));
  b.text('email.subject', R.emailSubject(doc));
  for (const to of strs(R.emailTo(doc))) b.email(to, 'victim', 'email.to.address');
  for (const fr of strs(R.emailFrom(doc))) b.email(fr, 'unknown', 'email.from.address');

  // Processes and files.
  for (const P of PROCESSES) {
    const name = P.name(doc);
    const cmd = P.commandLine(doc);
    const exe = P.executable(doc);
    if (!name && !cmd && !exe) continue;
    const hashes = hashesOf(doc, P.hash);
    const isProcess = P.prefix === 'process';
    const pe = compact({
      name,
      pid: int(P.pid(doc)),
      executable: exe,
      commandLine: cmd,
      parentName: isProcess ? R.parentName(doc) : undefined,
      parentCommandLine: isProcess ? R.parentCommandLine(doc) : undefined,
      user: isProcess ? userName : undefined,
      field: P.prefix,
    });
    if (hashes.md5 || hashes.sha1 || hashes.sha256 || hashes.sha512)
      (pe as { hashes?: object }).hashes = hashes;
    b.processes.push(pe);
    b.text(P.fields.commandLine, cmd);
    b.filePath(exe, P.fields.executable);
    for (const k of HASH_KINDS) b.hash(hashes[k], 'attacker', P.fields.hash[k]);
  }
  const fpath = R.filePath(doc);
  const fname = R.fileName(doc);
  if (fpath || fname) {
    const hashes = hashesOf(doc, R.fileHash);
    const fe = compact({ name: fname, path: fpath, size: num(R.fileSize(doc)), field: 'file' });
    if (hashes.md5 || hashes.sha1 || hashes.sha256 || hashes.sha512)
      (fe as { hashes?: object }).hashes = hashes;
    b.files.push(fe);
    b.filePath(fpath, 'file.path');
    b.fileName(fname, 'file.name');
    for (const k of HASH_KINDS) b.hash(hashes[k], 'attacker', FILE_HASH_FIELDS[k]);
  }
  for (const h of strs(R.relatedHash(doc))) b.hash(h, 'attacker', 'related.hash');
  for (const v of strs(R.vulnerabilityId(doc))) b.cves(v, 'vulnerability.id');

  // Threat intel matches: attacker by definition.
  const indicators = [R.threatIndicator(doc), ...arr(R.threatEnrichments(doc)).map((e) => R.indicator(e))];
  for (const ind of indicators) {
    if (!isObj(ind)) continue;
    for (const ip of strs(ind['ip'])) b.ip(ip, 'attacker', 'threat.indicator.ip');
    b.url(R.indUrl(ind), 'attacker', 'threat.indicator.url.full');
    b.host(R.indDomain(ind), 'attacker', 'threat.indicator.url.domain');
    for (const [k, read] of R.indHash) b.hash(read(ind), 'attacker', `threat.indicator.file.hash.${k}`);
    b.email(R.indEmail(ind), 'attacker', 'threat.indicator.email.address');
  }
}

/** A Map, not an object literal: a severity of `constructor` must not find Object's own members. */
const SEVERITY_WORDS = new Map([
  ['low', 25],
  ['medium', 50],
  ['high', 75],
  ['critical', 95],
]);
const TECHNIQUE_ID = /^T\d/i;
const TACTIC_ID = /^TA\d/i;
/** In the order the hashes object lists them (md5, sha1, sha256, sha512). */
const HASH_KINDS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
const FILE_HASH_FIELDS = {
  md5: 'file.hash.md5',
  sha1: 'file.hash.sha1',
  sha256: 'file.hash.sha256',
  sha512: 'file.hash.sha512',
} as const;
