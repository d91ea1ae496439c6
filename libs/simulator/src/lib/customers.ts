/** A fictitious customer: the identifiers its alerts carry and de-identification must remove. */
export interface SimCustomer {
  id: string;
  names: string[];
  domain: string;
  netbios: string;
  /** e.g. `10.20.` */
  internalCidrPrefix: string;
  publicIp: string;
  users: string[];
  hosts: string[];
  sidPrefix: string;
}

export const DEMO_CUSTOMERS: SimCustomer[] = [
  {
    id: 'cust-sakura',
    names: ['桜精機株式会社', 'サクラセイキ', 'Sakura Seiki', 'Sakura Precision Machinery Co., Ltd.'],
    domain: 'xn--u9j001sxyb.jp', // 桜精機.jp (IDN)
    netbios: 'SAKURA',
    internalCidrPrefix: '10.20.',
    publicIp: '198.51.100.23',
    users: ['t.yamada', 'h.suzuki', 'k.tanaka', 'adm-sato'],
    hosts: ['SKR-PC-0142', 'SKR-FS01', 'SKR-DC01', 'skr-web01'],
    sidPrefix: 'S-1-5-21-3623811015-3361044348-30300820',
  },
  {
    id: 'cust-northwind',
    names: ['Northwind Logistics', 'Northwind Logistics GmbH'],
    domain: 'northwind-logistics.example',
    netbios: 'NWLOG',
    internalCidrPrefix: '172.18.',
    publicIp: '203.0.113.77',
    users: ['anna.berg', 'lukas.meier', 'svc-backup'],
    hosts: ['NW-LT-2231', 'NW-SQL02', 'nw-mail01'],
    sidPrefix: 'S-1-5-21-1004336348-1177238915-682003330',
  },
  {
    id: 'cust-harbor',
    names: ['Harbor City Medical Center', 'HCMC'],
    domain: 'harborcity-med.example',
    netbios: 'HCMC',
    internalCidrPrefix: '192.168.40.',
    publicIp: '198.51.100.140',
    users: ['j.alvarez', 'm.chen', 'radiology01'],
    hosts: ['HCMC-WS-077', 'HCMC-PACS01', 'hcmc-vpn'],
    sidPrefix: 'S-1-5-21-2025429265-2215946123-3297446716',
  },
];
