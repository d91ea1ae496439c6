import { Alert, Customer } from '@kyoyu/contracts';
import {
  deidentify,
  type DeidentifyInput,
  type DeidentifyResult,
  type KAnonymityView,
  type PseudonymKey,
} from '../lib/deidentify';

/** A realistic Japanese customer: names in kanji/kana/romaji/English, an IDN domain, an AD domain with NetBIOS and SID. */
export const CUSTOMER: Customer = Customer.parse({
  id: 'exco-jp',
  names: ['株式会社エグザンプル', 'エグザンプル', 'Example Corporation', 'Ekusanpuru', '例示銀行'],
  domains: ['example.co.jp', '例え.jp'],
  emailDomains: ['example.co.jp', 'exco.onmicrosoft.com'],
  publicRanges: ['203.0.113.0/24', '2001:db8:1234::/48'],
  internalRanges: ['198.18.0.0/15'],
  adDomains: [
    { dnsName: 'corp.example.co.jp', netbiosName: 'EXCORP', sid: 'S-1-5-21-1004336348-1177238915-682003330' },
  ],
  cloudAccounts: ['123456789012', '8f2c1a9e-7b1d-4c1e-9f4e-2a6b9d0c3e11'],
  siemTenants: ['wazuh-exco-prod'],
  keywords: ['ExaBank'],
  sector: 'finance/banking',
  region: { country: 'JP', prefecture: 'Tokyo' },
  agreement: {
    version: 3,
    autoRelease: true,
    defaultTlp: 'green',
    audience: { kind: 'all' },
    embargoHours: 0,
  },
});

export const KEY: PseudonymKey = { id: 'k-2025-01', secret: Buffer.from('0123456789abcdef0123456789abcdef') };
export const OTHER_KEY: PseudonymKey = {
  id: 'k-2025-02',
  secret: Buffer.from('fedcba9876543210fedcba9876543210'),
};
export const NOW = new Date('2025-03-01T12:34:56.000Z');
export const K_VIEW: KAnonymityView = { customersWithSector: () => 5, customersWithCountry: () => 12 };

/** An inbound exploitation attempt followed by PowerShell on a workstation: victim data in every structured field. */
export function baseAlert(overrides: Partial<Alert> = {}): Alert {
  return Alert.parse({
    schemaVersion: 1,
    id: 'alert-0001',
    sourceOrg: 'exco-jp',
    format: 'ecs',
    nativeId: 'wazuh-exco-prod:1700000000.123',
    observedAt: '2025-03-01T09:41:27.512Z',
    receivedAt: '2025-03-01T09:41:29.000Z',
    severity: { score: 73, label: 'high', native: 12 },
    title: 'ET EXPLOIT Possible Apache Struts OGNL injection (CVE-2017-5638)',
    description:
      'Inbound exploit attempt from 185.220.101.4 against web01, followed by powershell.exe -nop -w hidden.',
    techniques: [
      { id: 'T1190', name: 'Exploit Public-Facing Application', known: true },
      { id: 'T1059.001', known: true },
    ],
    tactics: [{ id: 'TA0001', shortname: 'initial-access', known: true }],
    indicators: [
      { type: 'ipv4', value: '185.220.101.4', role: 'attacker', field: 'source.ip' },
      { type: 'ipv4', value: '10.20.30.40', role: 'victim', field: 'destination.ip' },
      { type: 'domain', value: 'update-check.badc2.net', role: 'attacker', field: 'dns.question.name' },
      {
        type: 'url',
        value: 'http://update-check.badc2.net/gate.php?id=4411&u=taro',
        role: 'attacker',
        field: 'url.full',
      },
      {
        type: 'sha256',
        value: 'a3f5c1e2b4d6a8f0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
        role: 'attacker',
        field: 'file.hash.sha256',
      },
      { type: 'ja3', value: '72a589da586844d7f0818ce684948eea', role: 'attacker', field: 'tls.client.ja3' },
      { type: 'cve', value: 'CVE-2017-5638', role: 'attacker', field: 'vulnerability.id' },
    ],
    entities: {
      hosts: [
        {
          name: 'WEB01.corp.example.co.jp',
          ips: ['10.20.30.40'],
          macs: ['00:1a:2b:3c:4d:5e'],
          id: 'agent-7f3e9a21',
          os: 'Windows Server 2019',
          field: 'host',
        },
      ],
      users: [
        {
          name: 'taro.yamada',
          domain: 'EXCORP',
          email: 'taro.yamada@example.co.jp',
          id: 'S-1-5-21-1004336348-1177238915-682003330-1104',
          field: 'user',
        },
      ],
      processes: [
        {
          name: 'powershell.exe',
          commandLine: 'powershell.exe -nop -w hidden',
          user: 'EXCORP\\taro.yamada',
          field: 'process',
        },
      ],
      files: [],
      network: [
        {
          srcIp: '185.220.101.4',
          srcPort: 51234,
          dstIp: '10.20.30.40',
          dstPort: 443,
          protocol: 'tcp',
          direction: 'inbound',
          field: 'network',
        },
      ],
    },
    product: { vendor: 'Wazuh', name: 'Wazuh', version: '4.7.0' },
    rule: { id: '2024217', name: 'ET EXPLOIT Apache Struts OGNL', public: true },
    texts: [],
    original: { raw: '{}', contentType: 'json' },
    ...overrides,
  });
}

export interface When {
  alert: Alert;
  customer?: Customer;
  key?: PseudonymKey;
  options?: DeidentifyInput['options'];
  kView?: KAnonymityView;
}

/** Given an alert (and optionally customer, key, options), when it is de-identified. */
export function whenDeidentified(w: When): DeidentifyResult {
  return deidentify({
    alert: w.alert,
    customer: w.customer ?? CUSTOMER,
    key: w.key ?? KEY,
    kView: w.kView ?? K_VIEW,
    now: NOW,
    ...(w.options ? { options: w.options } : {}),
  });
}

export const holdCodes = (r: DeidentifyResult): string[] => r.reasons.map((x) => x.code);

/** Every victim value the fixtures plant, for "nothing leaks" assertions. */
export const VICTIM_VALUES = [
  'example.co.jp',
  'example',
  'エグザンプル',
  '例え',
  '例示銀行',
  'ekusanpuru',
  'excorp',
  'taro.yamada',
  'taro',
  'web01',
  '10.20.30.40',
  '203.0.113',
  '1004336348',
  '123456789012',
  'wazuh-exco-prod',
  'exco-jp',
  'exabank',
  'xn--r8jz45g',
  '00:1a:2b:3c:4d:5e',
  'agent-7f3e9a21',
];

export function leaks(s: string): string[] {
  const l = s.normalize('NFKC').toLowerCase();
  return VICTIM_VALUES.filter((v) => l.includes(v.toLowerCase()));
}
