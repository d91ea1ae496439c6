import type {
  Customer,
  SharingAgreement,
  SubscriberFilters,
  SubscriberRegistrationInput,
} from '@kyoyu/contracts';
import { DEMO_CUSTOMERS, type SimCustomer } from './customers';

const SECTORS: Record<string, { sector: string; country: string; agreement: Partial<SharingAgreement> }> = {
  'cust-sakura': { sector: 'manufacturing', country: 'JP', agreement: {} },
  'cust-northwind': { sector: 'transport', country: 'DE', agreement: { defaultTlp: 'amber' } },
  // A hospital that wants a human to look at everything before it is shared.
  'cust-harbor': { sector: 'healthcare', country: 'US', agreement: { autoRelease: false } },
};

/** Share automatically, TLP:GREEN, with every subscriber: the most open terms a customer may sign. */
export const DEFAULT_AGREEMENT: SharingAgreement = {
  version: 1,
  autoRelease: true,
  defaultTlp: 'green',
  audience: { kind: 'all' },
  embargoHours: 0,
  nameSubmittingSoc: true,
  requireFourEyes: false,
};

function cidrOf(prefix: string): string {
  const octets = prefix.split('.').filter(Boolean);
  return `${[...octets, ...Array(4 - octets.length).fill('0')].join('.')}/${octets.length * 8}`;
}

/** The registry entry (victim dictionary and sharing agreement) for a simulated customer. */
export function registryEntryFor(c: SimCustomer): Customer {
  const meta = SECTORS[c.id] ?? { sector: 'other', country: 'JP', agreement: {} };
  return {
    id: c.id,
    names: c.names,
    domains: [c.domain],
    emailDomains: [c.domain],
    publicRanges: [`${c.publicIp}/32`],
    internalRanges: [cidrOf(c.internalCidrPrefix)],
    adDomains: [{ dnsName: `corp.${c.domain}`, netbiosName: c.netbios, sid: c.sidPrefix }],
    cloudAccounts: [],
    siemTenants: [],
    keywords: [],
    sector: meta.sector,
    region: { country: meta.country },
    kafkaPrincipals: [],
    agreement: { ...DEFAULT_AGREEMENT, ...meta.agreement },
  };
}

/** A fictitious customer known by one name and one domain only (no ranges, AD domains or tenants). */
export function nameOnlyCustomer(o: {
  id: string;
  name: string;
  domain: string;
  sector: string;
  agreement?: Partial<SharingAgreement>;
}): Customer {
  return {
    id: o.id,
    names: [o.name],
    domains: [o.domain],
    emailDomains: [],
    publicRanges: [],
    internalRanges: [],
    adDomains: [],
    cloudAccounts: [],
    siemTenants: [],
    keywords: [],
    sector: o.sector,
    region: { country: 'JP' },
    kafkaPrincipals: [],
    agreement: { ...DEFAULT_AGREEMENT, ...o.agreement },
  };
}

export function demoRegistry(): Customer[] {
  return DEMO_CUSTOMERS.map(registryEntryFor);
}

/** A demo subscriber, in the registration shape the admin API and `kyoyu subscribers import` accept. */
export type DemoSubscriber = SubscriberRegistrationInput & {
  id: string;
  name: string;
  sectors: string[];
  tlpClearance: 'clear' | 'green' | 'amber' | 'amber+strict';
  filters: SubscriberFilters;
  active: boolean;
};

/** Subscribers of the demo: a national CSIRT, a sector ISAC and an IoT maker's PSIRT. */
export const DEMO_SUBSCRIBERS: DemoSubscriber[] = [
  {
    id: 'national-csirt',
    name: 'National CSIRT',
    sectors: ['manufacturing', 'transport', 'healthcare'],
    tlpClearance: 'amber',
    filters: {},
    active: true,
  },
  {
    // An ISAC that wants network indicators it can block, with some confidence behind them.
    id: 'transport-isac',
    name: 'Transport ISAC',
    sectors: ['transport'],
    tlpClearance: 'amber',
    filters: { indicatorTypes: ['ipv4', 'ipv6', 'domain', 'url'], minConfidence: 50 },
    active: true,
  },
  {
    // A device maker collecting attack information after shipping (METI IoT security guide): what hits
    // devices (exploits of exposed services, brute force, C2). A real maker adds `products` (its CPEs) too;
    // the demo's alerts name no product, so that filter would leave this subscriber empty here.
    id: 'iot-maker-psirt',
    name: 'IoT maker PSIRT',
    sectors: ['manufacturing'],
    tlpClearance: 'green',
    filters: { techniques: ['T1190', 'T1110', 'T1071'] },
    active: true,
  },
];
