import type { Customer } from '@kyoyu/contracts';
import type { SubscriberRecord } from '@kyoyu/persistence';
import { DEFAULT_AGREEMENT } from '@kyoyu/simulator';

/** Two fictitious customers: one whose agreement allows automatic release, one that reviews everything. */
export const AUTO_CUSTOMER: Customer = {
  id: 'hoshizora-denki',
  names: ['Hoshizora Denki K.K.', '星空電機株式会社', 'ホシゾラデンキ', 'Hoshizora Electric'],
  domains: ['hoshizora-denki.co.jp'],
  emailDomains: ['hoshizora-denki.co.jp', 'hoshizoradenki.onmicrosoft.com'],
  publicRanges: ['192.0.2.0/28'],
  internalRanges: [],
  adDomains: [
    {
      dnsName: 'corp.hoshizora-denki.co.jp',
      netbiosName: 'HOSHIZORA',
      sid: 'S-1-5-21-3623811015-3361044348-30300820',
    },
  ],
  cloudAccounts: ['123456789012'],
  siemTenants: ['hz-prod'],
  keywords: [],
  sector: 'manufacturing',
  region: { country: 'JP', prefecture: 'Aichi' },
  kafkaPrincipals: [],
  agreement: DEFAULT_AGREEMENT,
};

export const REVIEW_CUSTOMER: Customer = {
  ...AUTO_CUSTOMER,
  id: 'kawasemi-bank',
  names: ['Kawasemi Bank', '翡翠銀行', 'カワセミ銀行'],
  domains: ['kawasemi-bank.jp'],
  emailDomains: ['kawasemi-bank.jp'],
  publicRanges: ['198.18.0.0/28'],
  adDomains: [{ dnsName: 'ad.kawasemi-bank.jp', netbiosName: 'KAWASEMI' }],
  cloudAccounts: [],
  siemTenants: [],
  sector: 'finance',
  region: { country: 'JP', prefecture: 'Tokyo' },
  agreement: { ...DEFAULT_AGREEMENT, autoRelease: false },
};

export const SUBSCRIBERS: SubscriberRecord[] = [
  {
    id: 'jp-isac',
    name: 'JP ISAC',
    sectors: ['manufacturing', 'finance'],
    tlpClearance: 'amber',
    filters: {},
    active: true,
  },
  {
    id: 'iot-maker',
    name: 'IoT Maker PSIRT',
    sectors: ['manufacturing'],
    tlpClearance: 'green',
    filters: {},
    active: true,
  },
];

export interface SuricataFixture {
  flowId: number;
  /** The victim's internal host (sensitive). */
  internalIp: string;
  /** The attacker (shared). */
  attackerIp: string;
  hostname: string;
  user: string;
}

/**
 * A Suricata EVE alert shaped like the ones in ../shared/samples/suricata: an internal host beaconing to
 * an external C2, with the victim's host and user names in the HTTP and SMB context.
 */
export function suricataAlert(f: SuricataFixture): string {
  return JSON.stringify({
    timestamp: '2026-11-20T10:15:42.123456+0900',
    flow_id: f.flowId,
    in_iface: 'eth0',
    event_type: 'alert',
    src_ip: f.internalIp,
    src_port: 49812,
    dest_ip: f.attackerIp,
    dest_port: 80,
    proto: 'TCP',
    host: f.hostname,
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: 2031412,
      rev: 3,
      signature: 'ET MALWARE FormBook CnC Checkin (GET)',
      category: 'A Network Trojan was detected',
      severity: 1,
      metadata: {
        mitre_technique_id: ['T1071'],
        mitre_tactic_id: ['TA0011'],
        attack_target: ['Client_Endpoint'],
      },
    },
    http: {
      hostname: 'www.cn-cdn-update.example',
      url: `/uar3/?id=${f.hostname}&u=${f.user}`,
      http_user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      http_method: 'GET',
      protocol: 'HTTP/1.1',
      status: 200,
      length: 0,
    },
    smb: { ntlmssp: { user: f.user, domain: 'HOSHIZORA', host: f.hostname } },
  });
}
