import { type Customer, type SharingAgreement } from '@kyoyu/contracts';
import type { KAnonymityView } from '@kyoyu/deid-engine';

/**
 * The evaluation's own fictitious customers: the registry entry the engine receives, plus the people,
 * machines and addresses their alerts carry (what a real SIEM would report and the engine must remove).
 * Japanese and English organisations; sectors chosen so some pass k-anonymity (k = 3) and some do not.
 */
export interface EvalCustomer {
  registry: Customer;
  /** Display names as they appear in free text. */
  orgJa?: string;
  orgKana?: string;
  orgEn: string;
  /** A brand or short name people write. */
  short: string;
  domain: string;
  /** IDN domain in Unicode, when the customer has one. */
  idn?: string;
  adDns: string;
  netbios: string;
  sidPrefix: string;
  users: string[];
  /** People's names as written in mail headers and notes. */
  people: string[];
  hosts: string[];
  /** Internal addresses: `${internalPrefix}${n}`. */
  internalPrefix: string;
  /** Addresses in the registered public range. */
  publicIps: string[];
  publicV6: string;
  awsAccount: string;
  azureTenant: string;
  siemTenant: string;
}

const AGREEMENT: SharingAgreement = {
  version: 2,
  autoRelease: true,
  defaultTlp: 'green',
  audience: { kind: 'all' },
  embargoHours: 0,
  nameSubmittingSoc: true,
  requireFourEyes: false,
};

interface Spec extends Omit<EvalCustomer, 'registry'> {
  id: string;
  sector: string;
  country: string;
  prefecture?: string;
  city?: string;
  extraNames: string[];
  publicRanges: string[];
  internalRanges: string[];
}

function build(s: Spec): EvalCustomer {
  const { id, sector, country, prefecture, city, extraNames, publicRanges, internalRanges, ...rest } = s;
  const names = [s.orgJa, s.orgKana, s.orgEn, ...extraNames].filter((n): n is string => !!n);
  const registry: Customer = {
    id,
    names,
    domains: [s.domain, ...(s.idn ? [s.idn] : [])],
    emailDomains: [s.domain, `${s.short.toLowerCase().replace(/[^a-z0-9]/g, '')}.onmicrosoft.com`],
    publicRanges,
    internalRanges,
    adDomains: [{ dnsName: s.adDns, netbiosName: s.netbios, sid: s.sidPrefix }],
    cloudAccounts: [s.awsAccount, s.azureTenant],
    siemTenants: [s.siemTenant],
    keywords: [s.short],
    sector,
    region: { country, ...(prefecture ? { prefecture } : {}), ...(city ? { city } : {}) },
    size: 'large',
    kafkaPrincipals: [],
    agreement: AGREEMENT,
  };
  return { registry, ...rest };
}

export const EVAL_CUSTOMERS: readonly EvalCustomer[] = [
  build({
    id: 'ev-aoba',
    orgJa: '青葉精工株式会社',
    orgKana: 'アオバセイコウ',
    orgEn: 'Aoba Precision Industries Co., Ltd.',
    extraNames: ['青葉精工', 'Aoba Seiko'],
    short: 'AobaSeiko',
    domain: 'aoba-seiko.co.jp',
    idn: '青葉精工.jp',
    adDns: 'corp.aoba-seiko.co.jp',
    netbios: 'AOBACORP',
    sidPrefix: 'S-1-5-21-2915012743-1788041527-3140928871',
    users: ['t.yamada', 'h.suzuki', 'adm-kobayashi', 'k.watanabe'],
    people: ['山田 太郎', 'Hanako Suzuki'],
    hosts: ['AOBA-PC-0142', 'AOBA-FS01', 'aoba-dc02', 'AOBA-WEB03'],
    internalPrefix: '10.41.7.',
    publicIps: ['203.0.113.21', '203.0.113.40'],
    publicV6: '2001:db8:a0ba::15',
    awsAccount: '418273645091',
    azureTenant: '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5',
    siemTenant: 'wazuh-aoba-prod',
    sector: 'manufacturing/precision-machinery',
    country: 'JP',
    prefecture: 'Miyagi',
    city: 'Sendai',
    publicRanges: ['203.0.113.0/26', '2001:db8:a0ba::/48'],
    internalRanges: [],
  }),
  build({
    id: 'ev-kiku',
    orgJa: '菊川化学工業株式会社',
    orgKana: 'キクカワカガク',
    orgEn: 'Kikukawa Chemical Industries',
    extraNames: ['菊川化学', 'Kikukawa Kagaku'],
    short: 'Kikukawa',
    domain: 'kikukawa-chem.jp',
    adDns: 'ad.kikukawa-chem.jp',
    netbios: 'KIKUAD',
    sidPrefix: 'S-1-5-21-3410987265-2200431876-1098234571',
    users: ['m.sato', 'y.tanaka', 'svc-backup-kk'],
    people: ['佐藤 美咲', 'Yuto Tanaka'],
    hosts: ['KK-LT-2231', 'KK-SQL02', 'kk-mail01'],
    internalPrefix: '172.21.4.',
    publicIps: ['198.51.100.70', '198.51.100.90'],
    publicV6: '2001:db8:4b1c::7',
    awsAccount: '902184736455',
    azureTenant: '0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b',
    siemTenant: 'elastic-kikukawa',
    sector: 'manufacturing',
    country: 'JP',
    prefecture: 'Shizuoka',
    publicRanges: ['198.51.100.64/27', '2001:db8:4b1c::/48'],
    internalRanges: ['100.100.0.0/16'],
  }),
  build({
    id: 'ev-fennick',
    orgEn: 'Fennick Turbines Ltd',
    extraNames: ['Fennick Turbines', 'Fennick Group'],
    short: 'Fennick',
    domain: 'fennick-turbines.co.uk',
    adDns: 'hq.fennick-turbines.co.uk',
    netbios: 'FENNICKHQ',
    sidPrefix: 'S-1-5-21-1122334455-2233445566-3344556677',
    users: ['oliver.hughes', 'priya.nair', 'svc-scada'],
    people: ['Oliver Hughes', 'Priya Nair'],
    hosts: ['FT-ENG-WS17', 'FT-HIST01', 'ft-jump02'],
    internalPrefix: '192.168.88.',
    publicIps: ['198.51.100.140', '198.51.100.141'],
    publicV6: '2001:db8:fe11::140',
    awsAccount: '556677889900',
    azureTenant: 'c0ffee12-3456-4789-abcd-ef0123456789',
    siemTenant: 'sentinel-fennick-ws',
    sector: 'manufacturing/energy-equipment',
    country: 'GB',
    publicRanges: ['198.51.100.128/28', '2001:db8:fe11::/48'],
    internalRanges: [],
  }),
  build({
    id: 'ev-hokushin',
    orgJa: '医療法人北辰会',
    orgKana: 'ホクシンカイ',
    orgEn: 'Hokushin Medical Association',
    extraNames: ['北辰会病院', 'Hokushinkai Hospital'],
    short: 'Hokushinkai',
    domain: 'hokushinkai.or.jp',
    adDns: 'med.hokushinkai.or.jp',
    netbios: 'HOKUSHIN',
    sidPrefix: 'S-1-5-21-4000111222-3000222333-2000333444',
    users: ['n.kimura', 'radiology01', 'e.ishikawa'],
    people: ['木村 直子', 'Emi Ishikawa'],
    hosts: ['HSK-WS-077', 'HSK-PACS01', 'hsk-vpn'],
    internalPrefix: '10.77.12.',
    publicIps: ['192.0.2.33', '192.0.2.34'],
    publicV6: '2001:db8:77::33',
    awsAccount: '310298475612',
    azureTenant: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    siemTenant: 'wazuh-hokushin',
    // Rare: the only healthcare customer in Hokkaido — sector and region must not be released.
    sector: 'healthcare/hospital',
    country: 'JP',
    prefecture: 'Hokkaido',
    city: 'Asahikawa',
    publicRanges: ['192.0.2.32/28', '2001:db8:77::/48'],
    internalRanges: [],
  }),
  build({
    id: 'ev-larkspur',
    orgEn: 'Larkspur Credit Union',
    extraNames: ['Larkspur CU', 'Larkspur Federal Credit Union'],
    short: 'Larkspur',
    domain: 'larkspurcu.org',
    adDns: 'corp.larkspurcu.org',
    netbios: 'LARKCU',
    sidPrefix: 'S-1-5-21-1987654321-1876543210-1765432109',
    users: ['jmorales', 'teller07', 'a.okafor'],
    people: ['Julia Morales', 'Ada Okafor'],
    hosts: ['LCU-TELLER-07', 'LCU-CORE01', 'lcu-owa'],
    internalPrefix: '10.150.3.',
    publicIps: ['203.0.113.200', '203.0.113.201'],
    publicV6: '2001:db8:1a4c::200',
    awsAccount: '774411228833',
    azureTenant: '3e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9',
    siemTenant: 'splunk-larkspur',
    sector: 'finance/credit-union',
    country: 'US',
    prefecture: 'Oregon',
    city: 'Bend',
    publicRanges: ['203.0.113.192/27', '2001:db8:1a4c::/48'],
    internalRanges: [],
  }),
  build({
    id: 'ev-kowan',
    orgJa: '港湾物流株式会社',
    orgKana: 'コウワンブツリュウ',
    orgEn: 'Kowan Logistics K.K.',
    extraNames: ['港湾物流', 'Kowan Butsuryu'],
    short: 'KowanLogi',
    domain: 'kowan-logi.co.jp',
    adDns: 'kowan.local',
    netbios: 'KOWAN',
    sidPrefix: 'S-1-5-21-2468013579-1357924680-1122446688',
    users: ['s.nakamura', 'r.ito', 'ops-admin2'],
    people: ['中村 翔', 'Rina Ito'],
    hosts: ['KWN-OPS-12', 'KWN-WMS01', 'kwn-edge03'],
    internalPrefix: '10.9.30.',
    publicIps: ['198.51.100.10', '198.51.100.11'],
    publicV6: '2001:db8:c0a1::10',
    awsAccount: '135792468024',
    azureTenant: '5b4a3928-1706-4f5e-8d4c-3b2a1908f7e6',
    siemTenant: 'qradar-kowan',
    sector: 'manufacturing',
    country: 'JP',
    prefecture: 'Kanagawa',
    publicRanges: ['198.51.100.0/28', '2001:db8:c0a1::/48'],
    internalRanges: [],
  }),
];

/** Customers per top-level sector and per country: the engine's k-anonymity view for this set. */
export function evalKView(customers: readonly EvalCustomer[] = EVAL_CUSTOMERS): KAnonymityView {
  const count = new Map<string, number>();
  const bump = (k: string): void => void count.set(k, (count.get(k) ?? 0) + 1);
  for (const c of customers) {
    const top = (c.registry.sector.split(/[/.:>|]/)[0] ?? '').trim().toLowerCase();
    const cc = c.registry.region.country.toUpperCase();
    bump(`s:${top}`);
    bump(`c:${cc}`);
    bump(`sc:${top}|${cc}`);
  }
  return {
    customersWithSector: (s) => count.get(`s:${s}`) ?? 0,
    customersWithCountry: (c) => count.get(`c:${c}`) ?? 0,
    customersWithSectorAndCountry: (s, c) => count.get(`sc:${s}|${c}`) ?? 0,
  };
}
