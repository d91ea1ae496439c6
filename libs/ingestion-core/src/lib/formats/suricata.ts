import { compact, pairRoles, type AlertBuilder } from '../builder';
import { arr, get, int, isObj, type Obj, str, strs, toIso } from '../util';

/** Non-alert EVE event types (flow, dns, http, stats ...) are not alerts. */
export const isSuricataAlert = (doc: Obj): boolean => doc['event_type'] === 'alert';

/** Categories whose external peer is merely visited, not hostile (rule 3 exception, see builder). */
const BENIGN =
  /^(ET (POLICY|INFO|HUNTING|USER_AGENTS|GAMES|CHAT|P2P)|GPL (POLICY|INFO|CHAT))\b|Not Suspicious Traffic|Misc activity|Potential Corporate Privacy Violation|Generic Protocol Command Decode|Unknown Traffic|Detection of a Network Scan/i;

/**
 * Severity: `alert.severity` 1 = high (80), 2 = medium (60), 3 = low (30), 4+ = low (20).
 * Rule public: gid 1 with sid < 1,000,000 (GPL/Snort community) or 2,000,000–2,999,999 (ET Open/Pro)
 * are published signatures; 1,000,000–1,999,999 and ≥ 3,000,000 are local/private ranges.
 */
export function mapSuricata(doc: Obj, b: AlertBuilder): void {
  const alert = isObj(doc['alert']) ? doc['alert'] : {};
  const sig = str(alert['signature']);
  const sid = int(alert['signature_id']);
  const gid = int(alert['gid']) ?? 1;
  const category = str(alert['category']);
  b.title = sig ?? 'Suricata alert';
  b.description = category;
  b.observedAt = toIso(doc['timestamp']);
  const sev = int(alert['severity']);
  if (sev !== undefined) b.setSeverity(sev <= 1 ? 80 : sev === 2 ? 60 : sev === 3 ? 30 : 20, sev);
  b.product = { vendor: 'OISF', name: 'Suricata' };
  const publicSid =
    sid !== undefined && gid === 1 && (sid < 1_000_000 || (sid >= 2_000_000 && sid < 3_000_000));
  b.rule = { public: publicSid };
  if (sid !== undefined) b.rule.id = `${gid}:${sid}`;
  if (sig) b.rule.name = sig;
  if (category) b.rule.category = category;
  b.described('alert.signature', sig);
  b.text('alert.category', category);

  const md = isObj(alert['metadata']) ? alert['metadata'] : {};
  for (const k of ['mitre_attack', 'mitre_technique_id', 'mitre_attack_id'])
    for (const t of strs(md[k])) b.attack.technique(t);
  for (const k of ['mitre_tactic_id', 'mitre_tactic_name']) for (const t of strs(md[k])) b.attack.tactic(t);
  for (const t of strs(md['mitre_technique_name'])) b.text('alert.metadata.mitre_technique_name', t);
  for (const c of strs(md['cve'])) {
    const id = /^cve-/i.test(c) ? c : `CVE-${c}`;
    if (/^CVE-\d{4}-\d{4,7}$/i.test(id))
      b.indicator('cve', id.toUpperCase(), 'attacker', 'alert.metadata.cve');
  }
  for (const t of strs(md['tag'])) b.described('alert.metadata.tag', t);
  const hostileField = strs(md['hostile'])[0];
  const hostile = hostileField === 'src_ip' ? 'src' : hostileField === 'dest_ip' ? 'dst' : undefined;

  const src = str(doc['src_ip']);
  const dst = str(doc['dest_ip']);
  const sport = int(doc['src_port']);
  const dport = int(doc['dest_port']);
  const benign = BENIGN.test(sig ?? '') || BENIGN.test(category ?? '');
  const roles = pairRoles(src, dst, { hostile, peerIsAttacker: !benign });
  b.ip(src, roles.src, 'src_ip');
  b.ip(dst, roles.dst, 'dest_ip');
  const direction =
    roles.src === 'victim' && roles.dst === 'victim'
      ? 'internal'
      : roles.dst === 'victim'
        ? 'inbound'
        : roles.src === 'victim'
          ? 'outbound'
          : 'unknown';
  b.network.push(
    compact({
      srcIp: src,
      srcPort: sport,
      dstIp: dst,
      dstPort: dport,
      protocol: str(doc['proto']),
      direction,
      field: 'src_ip,dest_ip',
    }),
  );
  // The server side of the flow: the side with the lower (service) port.
  const srvIsSrc = sport !== undefined && dport !== undefined && sport < dport;
  const server = srvIsSrc ? roles.src : roles.dst;
  const client = srvIsSrc ? roles.dst : roles.src;
  for (const m of ['src_mac', 'dest_mac']) {
    const v = str(get(doc, `ether.${m}`));
    if (v) b.indicator('mac', v, 'victim', `ether.${m}`);
  }
  const iface = str(doc['in_iface']);
  if (iface) b.text('in_iface', iface);

  const http = doc['http'];
  if (isObj(http)) {
    const hn = str(http['hostname']);
    b.host(hn, server, 'http.hostname');
    const url = str(http['url']);
    if (url) {
      if (/^[a-z]+:\/\//i.test(url)) b.url(url, server, 'http.url');
      else if (hn) b.url(`http://${hn}${url.startsWith('/') ? '' : '/'}${url}`, server, 'http.url');
      else b.text('http.url', url);
    }
    const ua = str(http['http_user_agent']);
    if (ua) {
      b.indicator('user-agent', ua, client, 'http.http_user_agent');
      b.text('http.http_user_agent', ua);
    }
    b.url(str(http['http_refer']), 'unknown', 'http.http_refer');
  }
  const dns = doc['dns'];
  if (isObj(dns)) {
    for (const q of [...arr(dns['query']), dns]) {
      if (!isObj(q)) continue;
      const rr = str(q['rrname']);
      if (rr) b.host(rr, rr.split('.').length > 1 ? 'unknown' : 'victim', 'dns.rrname');
    }
    for (const a of arr(dns['answers']))
      if (isObj(a)) b.host(str(a['rdata']), 'unknown', 'dns.answers.rdata');
  }
  const tls = doc['tls'];
  if (isObj(tls)) {
    b.host(str(tls['sni']), server, 'tls.sni');
    const sni = str(tls['sni']);
    if (sni) b.indicator('tls-sni', sni, server, 'tls.sni');
    b.indicator('ja3', str(get(tls, 'ja3.hash')), 'attacker', 'tls.ja3.hash');
    b.indicator('ja3s', str(get(tls, 'ja3s.hash')), 'attacker', 'tls.ja3s.hash');
    b.text('tls.subject', str(tls['subject']));
    b.text('tls.issuerdn', str(tls['issuerdn']));
    const fp = str(tls['fingerprint']);
    if (fp) b.text('tls.fingerprint', fp);
  }
  const files: unknown[] = [...arr(doc['fileinfo']), ...arr(doc['files'])];
  for (const f of files) {
    if (!isObj(f)) continue;
    const name = str(f['filename']);
    const hashes = compact({ md5: str(f['md5']), sha1: str(f['sha1']), sha256: str(f['sha256']) });
    for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `fileinfo.${k}`);
    if (name) {
      b.text('fileinfo.filename', name);
      if (/[\\/]/.test(name.replace(/^\//, '')))
        b.indicator('file-path', name, 'victim', 'fileinfo.filename');
      else b.fileName(name.replace(/^\//, ''), 'fileinfo.filename');
    }
    const fe = compact({ name, size: int(f['size']), field: 'fileinfo' });
    if (Object.keys(hashes).length > 0) (fe as { hashes?: object }).hashes = hashes;
    b.files.push(fe);
  }
  const smb = doc['smb'];
  if (isObj(smb)) {
    const user = str(get(smb, 'ntlmssp.user'));
    const domain = str(get(smb, 'ntlmssp.domain'));
    const host = str(get(smb, 'ntlmssp.host'));
    if (user || domain) b.users.push(compact({ name: user, domain, field: 'smb.ntlmssp' }));
    if (host) {
      b.hosts.push({ name: host, ips: [], macs: [], field: 'smb.ntlmssp.host' });
      b.indicator('hostname', host, 'victim', 'smb.ntlmssp.host');
    }
    b.text('smb.filename', str(smb['filename']));
    b.text('smb.share', str(smb['share']));
  }
  const krb = doc['krb5'];
  if (isObj(krb)) {
    const cname = str(krb['cname']);
    const realm = str(krb['realm']);
    if (cname || realm) b.users.push(compact({ name: cname, domain: realm, field: 'krb5.cname' }));
    b.text('krb5.sname', str(krb['sname']));
  }
  const smtp = doc['smtp'];
  if (isObj(smtp)) {
    b.text('smtp.helo', str(smtp['helo']));
    b.email(str(smtp['mail_from'])?.replace(/[<>]/g, ''), 'unknown', 'smtp.mail_from');
    for (const r of strs(smtp['rcpt_to'])) b.email(r.replace(/[<>]/g, ''), 'victim', 'smtp.rcpt_to');
  }
  const email = doc['email'];
  if (isObj(email)) b.text('email.subject', str(email['subject']));
  b.text('payload_printable', str(doc['payload_printable']));
}
