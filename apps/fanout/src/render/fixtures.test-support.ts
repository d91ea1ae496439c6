import type { SanitizedEvent } from '@kyoyu/contracts';

/**
 * A released event for the render tests: its title carries non-ASCII (bundles are UTF-8 bytes), and its
 * attacker address lies outside every demo customer's public range, so the egress guard lets it pass.
 */
export function sanitizedEvent(n: number, patch: Partial<SanitizedEvent> = {}): SanitizedEvent {
  return {
    eventId: `e${n}`,
    caseId: `case-${n}`,
    observedAt: '2026-11-20T01:00:00.000Z',
    title: 'ET MALWARE FormBook CnC Checkin (GET) – ü',
    severity: { score: 80, label: 'high' },
    techniques: [{ id: 'T1071.001', name: 'Web Protocols' }],
    tactics: [{ shortname: 'command-and-control' }],
    indicators: [{ type: 'ipv4', value: `185.220.101.${n}`, role: 'attacker' }],
    malware: ['FormBook'],
    cves: [],
    context: {},
    confidence: 70,
    distribution: { tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 },
    ...patch,
  };
}
