import type { Distribution, SanitizedEvent } from '@kyoyu/contracts';
import type { SubscriberRecord } from '@kyoyu/persistence';
import { entitled } from './routing';

const sub = (id: string, tlpClearance: string, sectors: string[] = ['finance']): SubscriberRecord => ({
  id,
  name: id,
  sectors,
  tlpClearance,
  filters: {},
  active: true,
});

function eventWith(distribution: Distribution): SanitizedEvent {
  return {
    eventId: 'e',
    caseId: 'c',
    observedAt: '2026-01-01T00:00:00.000Z',
    title: 't',
    severity: { score: 50, label: 'medium' },
    techniques: [],
    tactics: [],
    indicators: [],
    malware: [],
    cves: [],
    context: {},
    confidence: 50,
    distribution,
  };
}

describe('entitled (TLP 2.0 and agreement audience)', () => {
  it('sends GREEN to everyone cleared for it when the audience is all', () => {
    const e = eventWith({ tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 });
    expect(entitled(e, sub('a', 'green'))).toBe(true);
    expect(entitled(e, sub('b', 'clear'))).toBe(false);
  });

  it('keeps AMBER within the same-sector audience', () => {
    const e = eventWith({
      tlp: 'amber',
      audience: { kind: 'same-sector', sector: 'finance' },
      agreementVersion: 1,
    });
    expect(entitled(e, sub('bank-isac', 'amber', ['finance']))).toBe(true);
    expect(entitled(e, sub('factory', 'amber', ['manufacturing']))).toBe(false);
  });

  it('sends AMBER+STRICT only to named recipients and RED to nobody automatically', () => {
    const strictAll = eventWith({ tlp: 'amber+strict', audience: { kind: 'all' }, agreementVersion: 1 });
    expect(entitled(strictAll, sub('x', 'amber+strict'))).toBe(false);
    const strictNamed = eventWith({
      tlp: 'amber+strict',
      audience: { kind: 'named', subscribers: ['x'] },
      agreementVersion: 1,
    });
    expect(entitled(strictNamed, sub('x', 'amber+strict'))).toBe(true);
    expect(entitled(strictNamed, sub('y', 'amber+strict'))).toBe(false);
    const red = eventWith({
      tlp: 'red',
      audience: { kind: 'named', subscribers: ['x'] },
      agreementVersion: 1,
    });
    expect(entitled(red, sub('x', 'red'))).toBe(false);
  });

  it('treats an unknown clearance as no clearance', () => {
    expect(
      entitled(
        eventWith({ tlp: 'clear', audience: { kind: 'all' }, agreementVersion: 1 }),
        sub('x', 'bogus'),
      ),
    ).toBe(false);
  });
});
