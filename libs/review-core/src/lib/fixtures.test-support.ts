import type { Customer, SanitizedEvent } from '@kyoyu/contracts';

export const CUSTOMER: Customer = {
  id: 'kawasemi-bank',
  names: ['Kawasemi Bank', '翡翠銀行'],
  domains: ['kawasemi-bank.jp'],
  emailDomains: ['kawasemi-bank.jp'],
  publicRanges: ['198.18.0.0/28'],
  internalRanges: [],
  adDomains: [{ dnsName: 'ad.kawasemi-bank.jp', netbiosName: 'KAWASEMI' }],
  cloudAccounts: [],
  siemTenants: [],
  keywords: [],
  sector: 'finance',
  region: { country: 'JP' },
  kafkaPrincipals: [],
  agreement: {
    version: 1,
    autoRelease: false,
    defaultTlp: 'amber',
    audience: { kind: 'all' },
    embargoHours: 0,
    nameSubmittingSoc: true,
    requireFourEyes: false,
  },
};

export function draft(over: Partial<SanitizedEvent> = {}): SanitizedEvent {
  return {
    eventId: 'ev-1',
    caseId: 'case-1',
    observedAt: '2026-11-20T01:00:00.000Z',
    title: 'FormBook CnC checkin from a workstation',
    description: 'Beacon to www.cn-cdn-update.example over HTTP',
    severity: { score: 80, label: 'high' },
    techniques: [{ id: 'T1071' }],
    tactics: [{ id: 'TA0011' }],
    indicators: [
      { type: 'ipv4', value: '203.0.113.9', role: 'attacker' },
      { type: 'domain', value: 'www.cn-cdn-update.example', role: 'attacker' },
    ],
    malware: ['FormBook'],
    cves: [],
    signature: { id: '2031412', name: 'ET MALWARE FormBook CnC Checkin (GET)' },
    context: { sector: 'finance', country: 'JP' },
    confidence: 70,
    distribution: { tlp: 'amber', audience: { kind: 'all' }, agreementVersion: 1 },
    ...over,
  };
}
