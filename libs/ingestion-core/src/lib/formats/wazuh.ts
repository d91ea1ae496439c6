import { compact, type AlertBuilder } from '../builder';
import { arr, get, int, isObj, type Obj, str, strs, toIso } from '../util';

/**
 * Wazuh alerts.json document (or the OpenSearch hit's `_source`, unwrapped by the caller).
 * Severity: rule.level 0–15 → round(level / 15 × 100).
 * Rule public: Wazuh ships rule ids below 100000; 100000–120000 is the documented range for a
 * customer's own rules → private.
 * `timestamp: "{timestamp}"` (sample placeholders) or any unparsable time → receivedAt.
 */
export function mapWazuh(doc: Obj, b: AlertBuilder, hitId: string | undefined): void {
  const rule = isObj(doc['rule']) ? doc['rule'] : {};
  const desc = str(rule['description']);
  b.title = desc ?? 'Wazuh alert';
  b.observedAt = toIso(doc['timestamp']) ?? toIso(doc['@timestamp']);
  b.nativeId = hitId ?? str(doc['id']);
  const level = int(rule['level']);
  if (level !== undefined) b.setSeverity((Math.max(0, Math.min(15, level)) / 15) * 100, level);
  b.setOccurrences(int(rule['firedtimes']));
  const rid = str(rule['id']);
  const ridNum = int(rule['id']);
  b.rule = compact({
    id: rid,
    name: desc,
    category: strs(rule['groups']).join(','),
    public: ridNum !== undefined && ridNum < 100000,
  });
  if (!b.rule.category) delete b.rule.category;
  b.product = { vendor: 'Wazuh', name: 'Wazuh' };
  const ver = str(get(doc, 'manager.version')) ?? str(get(doc, 'agent.version'));
  if (ver) b.product.version = ver;
  b.described('rule.description', desc);
  for (const g of strs(rule['groups'])) b.described('rule.groups', g);
  b.described('rule.info', str(rule['info']));

  const mitre = isObj(rule['mitre']) ? rule['mitre'] : {};
  const ids = strs(mitre['id']);
  const names = strs(mitre['technique']);
  ids.forEach((id, i) => b.attack.technique(id, ids.length === names.length ? names[i] : undefined));
  for (const t of strs(mitre['tactic'])) b.attack.tactic(t);

  // Agent and manager: the customer's own assets.
  const agentName = str(get(doc, 'agent.name'));
  const agentIp = str(get(doc, 'agent.ip'));
  if (agentName || agentIp) {
    b.hosts.push(
      compact({
        name: agentName,
        id: str(get(doc, 'agent.id')),
        ips: agentIp ? [agentIp] : [],
        macs: [],
        field: 'agent',
      }),
    );
    b.host(agentName, 'victim', 'agent.name', 'hostname');
    if (agentIp) b.indicator(agentIp.includes(':') ? 'ipv6' : 'ipv4', agentIp, 'victim', 'agent.ip');
  }
  const mgr = str(get(doc, 'manager.name'));
  if (mgr) {
    b.hosts.push({ name: mgr, ips: [], macs: [], field: 'manager' });
    b.host(mgr, 'victim', 'manager.name', 'hostname');
  }
  b.text('location', str(doc['location']));
  b.text('full_log', str(doc['full_log']));
  b.cves(str(doc['full_log']), 'full_log');
  b.text('predecoder.hostname', str(get(doc, 'predecoder.hostname')));

  const data = isObj(doc['data']) ? doc['data'] : {};
  const srcip = str(data['srcip']);
  const dstip = str(data['dstip']);
  // data.srcip is the remote party the rule fired on: attacker unless internal.
  b.ip(srcip, 'attacker', 'data.srcip');
  b.ip(dstip, 'victim', 'data.dstip');
  if (srcip || dstip)
    b.network.push(
      compact({
        srcIp: srcip,
        dstIp: dstip,
        srcPort: int(data['srcport']),
        dstPort: int(data['dstport']),
        protocol: str(data['protocol']),
        direction: 'inbound',
        field: 'data',
      }),
    );
  const url = str(data['url']);
  if (url && /^[a-z]+:\/\//i.test(url)) b.url(url, 'unknown', 'data.url');
  else b.text('data.url', url);
  for (const k of ['srcuser', 'dstuser']) {
    const u = str(data[k]);
    if (u) b.users.push({ name: u, field: `data.${k}` });
  }
  b.text('data.title', str(data['title']));
  b.text('data.file', str(data['file']));
  const cve = str(get(data, 'vulnerability.cve'));
  if (cve) b.indicator('cve', cve.toUpperCase(), 'attacker', 'data.vulnerability.cve');
  b.text('data.vulnerability.title', str(get(data, 'vulnerability.title')));
  for (const k of ['cwd', 'exe', 'command']) b.text(`data.audit.${k}`, str(get(data, `audit.${k}`)));
  // AWS GuardDuty findings forwarded by Wazuh.
  const aws = data['aws'];
  if (isObj(aws)) {
    for (const path of [
      'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
      'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4',
      'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4',
    ])
      for (const v of strs(get(aws, path))) b.ip(v, 'attacker', `data.aws.${path}`);
    const probes = get(aws, 'service.action.portProbeAction.portProbeDetails');
    for (const p of arr(probes))
      b.ip(
        str(get(p, 'remoteIpDetails.ipAddressV4')),
        'attacker',
        'data.aws.service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4',
      );
    b.ip(
      str(get(aws, 'resource.instanceDetails.networkInterfaces.privateIpAddress')),
      'victim',
      'data.aws.resource.instanceDetails.networkInterfaces.privateIpAddress',
    );
    b.ip(
      str(get(aws, 'resource.instanceDetails.networkInterfaces.publicIp')),
      'victim',
      'data.aws.resource.instanceDetails.networkInterfaces.publicIp',
    );
    const un = str(get(aws, 'resource.accessKeyDetails.userName'));
    if (un) b.users.push({ name: un, field: 'data.aws.resource.accessKeyDetails.userName' });
    b.described('data.aws.title', str(aws['title']));
    b.described('data.aws.description', str(aws['description']));
    b.text(
      'data.aws.service.additionalInfo.threatListName',
      str(get(aws, 'service.additionalInfo.threatListName')),
    );
    b.text(
      'data.aws.resource.instanceDetails.instanceId',
      str(get(aws, 'resource.instanceDetails.instanceId')),
    );
  }
  // File integrity monitoring: the victim's files.
  const sc = doc['syscheck'];
  if (isObj(sc)) {
    const path = str(sc['path']);
    b.filePath(path, 'syscheck.path');
    const hashes = compact({
      md5: str(sc['md5_after']),
      sha1: str(sc['sha1_after']),
      sha256: str(sc['sha256_after']),
    });
    for (const [k, v] of Object.entries(hashes)) b.hash(v, 'unknown', `syscheck.${k}_after`);
    const fe = compact({ path, field: 'syscheck', size: int(sc['size_after']) });
    if (Object.keys(hashes).length) (fe as { hashes?: object }).hashes = hashes;
    if (path) b.files.push(fe);
    const uname = str(sc['uname_after']);
    if (uname) b.users.push({ name: uname, field: 'syscheck.uname_after' });
  }
  for (const k of ['srcuser', 'dstuser']) b.text(`data.${k}`, str(data[k]));
}
