import { compact, pairRoles, type AlertBuilder } from '../builder';
import { arr, get, int, isObj, num, type Obj, str, strs, toIso } from '../util';
import type { NetworkDirection } from '@kyoyu/contracts';

export const isEcsAlert = (doc: Obj): boolean => {
  const k = str(get(doc, 'event.kind'));
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

const first = (doc: Obj, ...paths: string[]): string | undefined => {
  for (const p of paths) {
    const v = str(get(doc, p));
    if (v !== undefined) return v;
  }
  return undefined;
};

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
  b.title =
    first(
      doc,
      'kibana.alert.rule.name',
      'signal.rule.name',
      'rule.name',
      'message',
      'event.action',
      'event.code',
    ) ?? 'ECS alert';
  b.description = first(
    doc,
    'kibana.alert.rule.description',
    'signal.rule.description',
    'rule.description',
    'message',
  );
  b.nativeId = first(doc, 'kibana.alert.uuid', 'event.id') ?? hitId;
  b.observedAt = toIso(get(doc, 'kibana.alert.original_time')) ?? toIso(get(doc, '@timestamp'));
  const risk =
    num(get(doc, 'kibana.alert.risk_score')) ??
    num(get(doc, 'signal.rule.risk_score')) ??
    num(get(doc, 'event.risk_score'));
  const evSev = num(get(doc, 'event.severity'));
  const sevStr = first(doc, 'kibana.alert.severity', 'signal.rule.severity');
  if (risk !== undefined) b.setSeverity(risk, sevStr ?? risk);
  else if (sevStr)
    b.setSeverity({ low: 25, medium: 50, high: 75, critical: 95 }[sevStr.toLowerCase()] ?? 50, sevStr);
  else if (evSev !== undefined) b.setSeverity(evSev <= 4 ? evSev * 25 : evSev, evSev);

  const module = first(doc, 'event.module', 'data_stream.dataset')?.split('.')[0];
  const immutable =
    get(doc, 'kibana.alert.rule.parameters.immutable') === true ||
    get(doc, 'kibana.alert.rule.immutable') === true ||
    get(doc, 'signal.rule.immutable') === true ||
    str(get(doc, 'rule.ruleset')) === 'production';
  const ruleName = first(doc, 'kibana.alert.rule.name', 'signal.rule.name', 'rule.name');
  const ruleId = first(
    doc,
    'kibana.alert.rule.rule_id',
    'signal.rule.rule_id',
    'rule.id',
    'rule.uuid',
    'event.code',
  );
  b.rule = compact({
    id: ruleId,
    name: ruleName,
    category: first(doc, 'kibana.alert.rule.type', 'rule.category'),
    public: immutable || (module !== undefined && VENDOR_MODULES.has(module)),
  });
  b.product = compact({
    vendor:
      first(doc, 'observer.vendor') ??
      (module === 'endpoint'
        ? 'Elastic'
        : module === 'crowdstrike'
          ? 'CrowdStrike'
          : module === 'sentinel_one'
            ? 'SentinelOne'
            : undefined),
    name:
      first(doc, 'observer.product') ??
      (module === 'endpoint' ? 'Elastic Defend' : module === 'crowdstrike' ? 'Falcon' : module),
    version: first(doc, 'observer.version', 'agent.version'),
  });
  b.described('rule.name', ruleName);
  b.described('rule.description', b.description);
  b.text('message', first(doc, 'message'));
  b.text('event.original', first(doc, 'event.original'));
  for (const p of ['tags', 'kibana.alert.rule.tags', 'signal.rule.tags', 'rule.tags'])
    for (const t of strs(get(doc, p))) b.described(p, t);
  b.text('kibana.alert.reason', first(doc, 'kibana.alert.reason', 'signal.reason'));

  // ATT&CK: threat.* (ECS), kibana.alert.rule.threat[] / signal.rule.threat[] (Elastic Security).
  const threats = [doc['threat'], get(doc, 'kibana.alert.rule.threat'), get(doc, 'signal.rule.threat')];
  for (const tv of threats)
    for (const t of arr(tv)) {
      if (!isObj(t)) continue;
      for (const tech of arr(get(t, 'technique'))) {
        if (!isObj(tech)) continue;
        const ids = strs(tech['id']);
        const names = strs(tech['name']);
        ids.forEach((id, i) =>
          /^T\d/i.test(id) ? b.attack.technique(id, names[i]) : b.text('threat.technique.id', id),
        );
        for (const sub of arr(tech['subtechnique']))
          for (const id of strs(get(sub, 'id'))) b.attack.technique(id);
      }
      for (const tac of arr(get(t, 'tactic'))) {
        if (!isObj(tac)) continue;
        const ids = strs(tac['id']);
        const names = strs(tac['name']);
        ids.forEach((id, i) =>
          /^TA\d/i.test(id) ? b.attack.tactic(id, names[i]) : b.text('threat.tactic.id', id),
        );
        if (ids.length === 0) names.forEach((n) => b.attack.tactic(n));
      }
    }

  // Hosts and users: the customer's.
  const hostName = first(doc, 'host.name', 'host.hostname');
  const hostIps = strs(get(doc, 'host.ip'));
  if (hostName || hostIps.length) {
    b.hosts.push(
      compact({
        name: hostName,
        domain: first(doc, 'host.domain'),
        id: first(doc, 'host.id'),
        os: first(doc, 'host.os.name', 'host.os.full'),
        ips: hostIps,
        macs: strs(get(doc, 'host.mac')),
        field: 'host',
      }),
    );
    b.host(hostName, 'victim', 'host.name', 'hostname');
    for (const ip of hostIps) b.ip(ip, 'victim', 'host.ip');
    for (const m of strs(get(doc, 'host.mac'))) b.indicator('mac', m, 'victim', 'host.mac');
  }
  const userName = first(doc, 'user.name');
  if (userName || first(doc, 'user.id', 'user.email')) {
    b.users.push(
      compact({
        name: userName,
        domain: first(doc, 'user.domain'),
        email: first(doc, 'user.email'),
        id: first(doc, 'user.id'),
        field: 'user',
      }),
    );
    b.email(first(doc, 'user.email'), 'victim', 'user.email');
  }
  for (const u of strs(get(doc, 'related.user'))) b.text('related.user', u);
  for (const h of strs(get(doc, 'related.hosts'))) b.text('related.hosts', h);

  // Network.
  const src = first(doc, 'source.ip');
  const dst = first(doc, 'destination.ip');
  const dir = first(doc, 'network.direction') as NetworkDirection | undefined;
  const direction: NetworkDirection =
    dir === 'inbound' || dir === 'outbound' || dir === 'internal' || dir === 'external' ? dir : 'unknown';
  const roles = pairRoles(src, dst, { direction });
  if (src || dst) {
    b.ip(src, roles.src, 'source.ip');
    b.ip(dst, roles.dst, 'destination.ip');
    b.network.push(
      compact({
        srcIp: src,
        srcPort: int(get(doc, 'source.port')),
        dstIp: dst,
        dstPort: int(get(doc, 'destination.port')),
        protocol: first(doc, 'network.transport', 'network.protocol'),
        direction,
        field: 'source,destination',
      }),
    );
  }
  b.host(first(doc, 'source.domain'), roles.src, 'source.domain');
  b.host(first(doc, 'destination.domain'), roles.dst, 'destination.domain');
  b.url(first(doc, 'url.full', 'url.original'), roles.dst, 'url.full');
  b.host(first(doc, 'url.domain'), roles.dst, 'url.domain');
  const ua = first(doc, 'user_agent.original');
  if (ua) {
    b.indicator('user-agent', ua, roles.src, 'user_agent.original');
    b.text('user_agent.original', ua);
  }
  b.host(first(doc, 'dns.question.name'), 'unknown', 'dns.question.name');
  b.indicator('ja3', first(doc, 'tls.client.ja3'), 'attacker', 'tls.client.ja3');
  b.indicator('ja3s', first(doc, 'tls.server.ja3s'), 'attacker', 'tls.server.ja3s');
  const sni = first(doc, 'tls.client.server_name');
  if (sni) b.indicator('tls-sni', sni, roles.dst, 'tls.client.server_name');
  b.text(
    'tls.server.x509.subject.distinguished_name',
    first(doc, 'tls.server.x509.subject.distinguished_name'),
  );
  b.text('email.subject', first(doc, 'email.subject'));
  for (const to of strs(get(doc, 'email.to.address'))) b.email(to, 'victim', 'email.to.address');
  for (const fr of strs(get(doc, 'email.from.address'))) b.email(fr, 'unknown', 'email.from.address');

  // Processes and files.
  for (const [p, field] of [
    ['process', 'process'],
    ['process.parent', 'process.parent'],
  ] as const) {
    const name = first(doc, `${p}.name`);
    const cmd = first(doc, `${p}.command_line`);
    const exe = first(doc, `${p}.executable`);
    if (!name && !cmd && !exe) continue;
    const hashes = compact({
      md5: first(doc, `${p}.hash.md5`),
      sha1: first(doc, `${p}.hash.sha1`),
      sha256: first(doc, `${p}.hash.sha256`),
      sha512: first(doc, `${p}.hash.sha512`),
    });
    const pe = compact({
      name,
      pid: int(get(doc, `${p}.pid`)),
      executable: exe,
      commandLine: cmd,
      parentName: p === 'process' ? first(doc, 'process.parent.name') : undefined,
      parentCommandLine: p === 'process' ? first(doc, 'process.parent.command_line') : undefined,
      user: p === 'process' ? userName : undefined,
      field,
    });
    if (Object.keys(hashes).length) (pe as { hashes?: object }).hashes = hashes;
    b.processes.push(pe);
    b.text(`${p}.command_line`, cmd);
    b.filePath(exe, `${p}.executable`);
    for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `${p}.hash.${k}`);
  }
  const fpath = first(doc, 'file.path');
  const fname = first(doc, 'file.name');
  if (fpath || fname) {
    const hashes = compact({
      md5: first(doc, 'file.hash.md5'),
      sha1: first(doc, 'file.hash.sha1'),
      sha256: first(doc, 'file.hash.sha256'),
      sha512: first(doc, 'file.hash.sha512'),
    });
    const fe = compact({ name: fname, path: fpath, size: num(get(doc, 'file.size')), field: 'file' });
    if (Object.keys(hashes).length) (fe as { hashes?: object }).hashes = hashes;
    b.files.push(fe);
    b.filePath(fpath, 'file.path');
    b.fileName(fname, 'file.name');
    for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `file.hash.${k}`);
  }
  for (const h of strs(get(doc, 'related.hash'))) b.hash(h, 'attacker', 'related.hash');
  for (const v of strs(get(doc, 'vulnerability.id'))) b.cves(v, 'vulnerability.id');

  // Threat intel matches: attacker by definition.
  const indicators = [
    get(doc, 'threat.indicator'),
    ...arr(get(doc, 'threat.enrichments')).map((e) => get(e, 'indicator')),
  ];
  for (const ind of indicators) {
    if (!isObj(ind)) continue;
    for (const ip of strs(ind['ip'])) b.ip(ip, 'attacker', 'threat.indicator.ip');
    b.url(
      str(get(ind, 'url.full')) ?? str(get(ind, 'url.original')),
      'attacker',
      'threat.indicator.url.full',
    );
    b.host(str(get(ind, 'url.domain')) ?? str(get(ind, 'domain')), 'attacker', 'threat.indicator.url.domain');
    for (const k of ['md5', 'sha1', 'sha256'])
      b.hash(str(get(ind, `file.hash.${k}`)), 'attacker', `threat.indicator.file.hash.${k}`);
    b.email(str(get(ind, 'email.address')), 'attacker', 'threat.indicator.email.address');
  }
}
