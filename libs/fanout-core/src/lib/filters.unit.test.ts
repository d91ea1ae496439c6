import type { SanitizedEvent } from '@kyoyu/contracts';
import { cpeNames, matchesFilters } from './filters';

const event: SanitizedEvent = {
  eventId: 'e',
  caseId: 'c',
  observedAt: '2026-01-01T00:00:00.000Z',
  title: 'ET EXPLOIT Hikvision IP Camera Command Injection (CVE-2021-36260)',
  signature: { id: '2033985', name: 'ET EXPLOIT Hikvision IP Camera Command Injection' },
  severity: { score: 80, label: 'high' },
  techniques: [{ id: 'T1190' }, { id: 'T1071.001', name: 'Web Protocols' }],
  tactics: [{ id: 'TA0001', shortname: 'initial-access' }, { shortname: 'command-and-control' }],
  indicators: [
    { type: 'ipv4', value: '203.0.113.9', role: 'attacker' },
    { type: 'hostname', value: 'pc-1', role: 'victim' },
  ],
  malware: [],
  cves: ['CVE-2021-36260'],
  context: {},
  confidence: 70,
  distribution: { tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 },
};

describe('matchesFilters', () => {
  it('matches everything when no dimension is given', () => {
    expect(matchesFilters(event, {})).toBe(true);
    expect(matchesFilters(event, { techniques: [], products: [] })).toBe(true);
  });

  it('matches a technique and its sub-techniques, never a sub-technique its parent', () => {
    expect(matchesFilters(event, { techniques: ['T1071'] })).toBe(true);
    expect(matchesFilters(event, { techniques: ['T1071.001'] })).toBe(true);
    expect(matchesFilters(event, { techniques: ['T1071.004'] })).toBe(false);
    expect(matchesFilters(event, { techniques: ['T1190.001'] })).toBe(false);
    expect(matchesFilters(event, { techniques: ['T1566', 'T1190'] })).toBe(true);
  });

  it('matches tactics by id or short name', () => {
    expect(matchesFilters(event, { tactics: ['TA0001'] })).toBe(true);
    expect(matchesFilters(event, { tactics: ['command-and-control'] })).toBe(true);
    expect(matchesFilters(event, { tactics: ['TA0011'] })).toBe(false);
  });

  it('counts only shareable indicators for indicator types', () => {
    expect(matchesFilters(event, { indicatorTypes: ['ipv4'] })).toBe(true);
    expect(matchesFilters(event, { indicatorTypes: ['hostname'] })).toBe(false);
  });

  it('applies the minimum confidence inclusively', () => {
    expect(matchesFilters(event, { minConfidence: 70 })).toBe(true);
    expect(matchesFilters(event, { minConfidence: 71 })).toBe(false);
  });

  it('lets a device maker receive what targets its products, by CPE or vendor/product names', () => {
    expect(
      matchesFilters(event, { products: [{ cpe: 'cpe:2.3:h:hikvision:ip_camera:*:*:*:*:*:*:*:*' }] }),
    ).toBe(true);
    expect(matchesFilters(event, { products: [{ vendor: 'Hikvision' }] })).toBe(true);
    expect(matchesFilters(event, { products: [{ vendor: 'hikvision', product: 'NVR' }] })).toBe(false);
    expect(matchesFilters(event, { products: [{ vendor: 'Hik' }] })).toBe(false);
    expect(matchesFilters(event, { products: [{ cpe: 'cpe:2.3:h:dahua:ip_camera:*' }] })).toBe(false);
  });

  it('requires every given dimension to match', () => {
    expect(matchesFilters(event, { techniques: ['T1190'], minConfidence: 90 })).toBe(false);
    expect(matchesFilters(event, { techniques: ['T1190'], products: [{ vendor: 'hikvision' }] })).toBe(true);
  });
});

describe('cpeNames', () => {
  it('reads vendor and product, with escapes and underscores', () => {
    expect(cpeNames('cpe:2.3:a:acme\\:co:web_admin:1.0')).toEqual({
      vendor: 'acme:co',
      product: 'web admin',
    });
    expect(cpeNames('cpe:2.3:h:*:cam:*')).toBeUndefined();
  });
});
