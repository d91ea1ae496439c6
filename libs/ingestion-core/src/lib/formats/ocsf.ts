import type { IndicatorRole, NetworkDirection } from '@kyoyu/contracts';
import { compact, pairRoles, roleOfIp, type AlertBuilder } from '../builder';
import { arr, get, int, isObj, type Obj, str, strs, toIso } from '../util';

export const OCSF_SUPPORTED = new Set([2001, 2004]);

/** OCSF severity_id → score: 0 Unknown 0, 1 Informational 10, 2 Low 30, 3 Medium 55, 4 High 75, 5 Critical 95, 6 Fatal 100, 99 Other 50. */
const SEV: Record<number, number> = { 0: 0, 1: 10, 2: 30, 3: 55, 4: 75, 5: 95, 6: 100, 99: 50 };

/**
 * OCSF 1.x Detection Finding (2004) and Security Finding (2001).
 * Rule public: OCSF carries no marker of published content, so analytics are private (false) unless
 * `finding_info.analytic.type_id` is 1 (Rule) AND the analytic names a public rule set through a
 * Sigma/ATT&CK-style uid (`sigma:`/`et:` prefixed) — otherwise the detecting product's own ids stay private.
 */
export function mapOcsf(doc: Obj, b: AlertBuilder): void {
  const fi = isObj(doc['finding_info']) ? doc['finding_info'] : isObj(doc['finding']) ? doc['finding'] : {};
  b.title = str(fi['title']) ?? str(doc['message']) ?? str(doc['class_name']) ?? 'OCSF finding';
  b.description = str(fi['desc']) ?? str(doc['message']);
  b.nativeId = str(get(doc, 'metadata.uid')) ?? str(fi['uid']);
  b.observedAt = toIso(doc['time']) ?? toIso(doc['time_dt']) ?? toIso(fi['created_time']);
  const sid = int(doc['severity_id']);
  if (sid !== undefined) b.setSeverity(SEV[sid] ?? 50, str(doc['severity']) ?? sid);
  b.setOccurrences(int(doc['count']));
  b.product = compact({
    vendor: str(get(doc, 'metadata.product.vendor_name')),
    name: str(get(doc, 'metadata.product.name')),
    version: str(get(doc, 'metadata.product.version')),
  });
  const analytic = isObj(fi['analytic']) ? fi['analytic'] : {};
  const auid = str(analytic['uid']);
  b.rule = compact({
    id: auid,
    name: str(analytic['name']),
    category: strs(fi['types']).join(',') || undefined,
    public: auid !== undefined && /^(sigma|et|gpl|attack):/i.test(auid),
  });
  b.described('finding_info.title', b.title);
  b.described('finding_info.desc', str(fi['desc']));
  b.text('message', str(doc['message']));
  b.text('metadata.tenant_uid', str(get(doc, 'metadata.tenant_uid')));
  b.text('raw_data', str(doc['raw_data']));

  for (const a of [...arr(fi['attacks']), ...arr(doc['attacks'])]) {
    if (!isObj(a)) continue;
    b.attack.technique(str(get(a, 'technique.uid')), str(get(a, 'technique.name')));
    b.attack.technique(str(get(a, 'sub_technique.uid')), str(get(a, 'sub_technique.name')));
    b.attack.tactic(str(get(a, 'tactic.uid')), str(get(a, 'tactic.name')));
    for (const t of arr(a['tactics'])) b.attack.tactic(str(get(t, 'uid')), str(get(t, 'name')));
  }

  // Victim assets.
  const dev = doc['device'];
  if (isObj(dev)) {
    const ip = str(dev['ip']);
    b.hosts.push(
      compact({
        name: str(dev['hostname']) ?? str(dev['name']),
        domain: str(dev['domain']),
        id: str(dev['uid']),
        os: str(get(dev, 'os.name')),
        ips: ip ? [ip] : [],
        macs: strs(dev['mac']),
        field: 'device',
      }),
    );
    b.host(str(dev['hostname']), 'victim', 'device.hostname', 'hostname');
    if (ip) b.indicator(ip.includes(':') ? 'ipv6' : 'ipv4', ip, 'victim', 'device.ip');
    for (const m of strs(dev['mac'])) b.indicator('mac', m, 'victim', 'device.mac');
  }
  for (const [p, u] of [
    ['actor.user', get(doc, 'actor.user')],
    ['user', doc['user']],
  ] as const) {
    if (!isObj(u)) continue;
    b.users.push(
      compact({
        name: str(u['name']),
        domain: str(u['domain']),
        email: str(u['email_addr']),
        id: str(u['uid']),
        field: p,
      }),
    );
    b.email(str(u['email_addr']), 'victim', `${p}.email_addr`);
  }
  b.text('cloud.account.uid', str(get(doc, 'cloud.account.uid')));

  const dirId = int(get(doc, 'connection_info.direction_id'));
  const direction: NetworkDirection =
    dirId === 1 ? 'inbound' : dirId === 2 ? 'outbound' : dirId === 3 ? 'internal' : 'unknown';
  endpoints(b, doc, '', direction);
  arr(doc['evidences']).forEach((e, i) => {
    if (!isObj(e)) return;
    endpoints(b, e, `evidences[${i}].`, direction);
    proc(b, e['process'], `evidences[${i}].process`);
    file(b, e['file'], `evidences[${i}].file`);
    b.url(str(get(e, 'url.url_string')), 'attacker', `evidences[${i}].url.url_string`);
    b.host(str(get(e, 'query.hostname')), 'unknown', `evidences[${i}].query.hostname`);
  });
  proc(b, get(doc, 'actor.process'), 'actor.process');
  proc(b, doc['process'], 'process');
  file(b, doc['file'], 'file');

  for (const m of arr(doc['malware'])) {
    if (!isObj(m)) continue;
    b.described('malware.name', str(m['name']));
    b.filePath(str(m['path']), 'malware.path');
  }
  for (const v of arr(doc['vulnerabilities'])) {
    const c = str(get(v, 'cve.uid'));
    if (c) b.indicator('cve', c.toUpperCase(), 'attacker', 'vulnerabilities.cve.uid');
    b.text('vulnerabilities.title', str(get(v, 'title')));
  }
  for (const o of arr(doc['observables'])) {
    if (!isObj(o)) continue;
    const name = str(o['name']) ?? 'observables';
    const value = str(o['value']);
    if (!value) continue;
    const t = int(o['type_id']);
    const side: IndicatorRole = /^(device|actor|user|cloud|metadata)\b/.test(name) ? 'victim' : 'unknown';
    const field = `observables.${name}`;
    if (t === 1) b.host(value, side, field, side === 'victim' ? 'hostname' : 'domain');
    else if (t === 2) b.ip(value, roleOfIp(value) ?? side, field);
    else if (t === 3) b.indicator('mac', value, 'victim', field);
    else if (t === 5) b.email(value, side, field);
    else if (t === 6) b.url(value, side, field);
    else if (t === 7) b.fileName(value, field);
    else if (t === 8) b.hash(value, 'attacker', field);
    else b.text(field, value);
  }
}

function endpoints(b: AlertBuilder, o: Obj, prefix: string, direction: NetworkDirection): void {
  const s = o['src_endpoint'];
  const d = o['dst_endpoint'];
  if (!isObj(s) && !isObj(d)) return;
  const src = str(get(s, 'ip'));
  const dst = str(get(d, 'ip'));
  const roles = pairRoles(src, dst, { direction });
  b.ip(src, roles.src, `${prefix}src_endpoint.ip`);
  b.ip(dst, roles.dst, `${prefix}dst_endpoint.ip`);
  b.host(str(get(s, 'hostname')) ?? str(get(s, 'domain')), roles.src, `${prefix}src_endpoint.hostname`);
  b.host(str(get(d, 'hostname')) ?? str(get(d, 'domain')), roles.dst, `${prefix}dst_endpoint.hostname`);
  b.network.push(
    compact({
      srcIp: src,
      srcPort: int(get(s, 'port')),
      dstIp: dst,
      dstPort: int(get(d, 'port')),
      direction,
      field: `${prefix}src_endpoint,dst_endpoint`,
    }),
  );
}

function hashesOf(f: unknown): { md5?: string; sha1?: string; sha256?: string; sha512?: string } {
  const h: { md5?: string; sha1?: string; sha256?: string; sha512?: string } = {};
  // OCSF fingerprint algorithm_id: 1 MD5, 2 SHA-1, 3 SHA-256, 4 SHA-512.
  for (const x of arr(get(f, 'hashes'))) {
    const v = str(get(x, 'value'));
    const alg = int(get(x, 'algorithm_id'));
    if (!v) continue;
    if (alg === 1) h.md5 = v;
    else if (alg === 2) h.sha1 = v;
    else if (alg === 3) h.sha256 = v;
    else if (alg === 4) h.sha512 = v;
  }
  return h;
}

function file(b: AlertBuilder, f: unknown, field: string): void {
  if (!isObj(f)) return;
  const hashes = hashesOf(f);
  const fe = compact({ name: str(f['name']), path: str(f['path']), size: int(f['size']), field });
  if (Object.keys(hashes).length) (fe as { hashes?: object }).hashes = hashes;
  b.files.push(fe);
  b.filePath(str(f['path']), `${field}.path`);
  b.fileName(str(f['name']), `${field}.name`);
  for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `${field}.hashes.${k}`);
}

function proc(b: AlertBuilder, p: unknown, field: string): void {
  if (!isObj(p)) return;
  const hashes = hashesOf(p['file']);
  const pe = compact({
    name: str(p['name']),
    pid: int(p['pid']),
    executable: str(get(p, 'file.path')),
    commandLine: str(p['cmd_line']),
    parentName: str(get(p, 'parent_process.name')),
    parentCommandLine: str(get(p, 'parent_process.cmd_line')),
    user: str(get(p, 'user.name')),
    field,
  });
  if (Object.keys(hashes).length) (pe as { hashes?: object }).hashes = hashes;
  b.processes.push(pe);
  b.text(`${field}.cmd_line`, str(p['cmd_line']));
  b.text(`${field}.parent_process.cmd_line`, str(get(p, 'parent_process.cmd_line')));
  b.filePath(str(get(p, 'file.path')), `${field}.file.path`);
  for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `${field}.file.hashes.${k}`);
}
