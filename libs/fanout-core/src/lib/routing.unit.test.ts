import type { Distribution, SanitizedEvent, SubscriberFilters } from '@kyoyu/contracts';
import { entitled, routeEvent, type Subscription } from './routing';

const sub = (
  id: string,
  tlpClearance: string,
  sectors: string[] = ['finance'],
  filters: SubscriberFilters = {},
): Subscription => ({ id, sectors, tlpClearance, filters, channels: ['kafka', 'taxii'] });

function eventWith(distribution: Distribution, over: Partial<SanitizedEvent> = {}): SanitizedEvent {
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
    ...over,
  };
}

const ALL_GREEN: Distribution = { tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 };

describe('entitled (TLP 2.0 and agreement audience)', () => {
  it('sends CLEAR and GREEN to everyone cleared for it when the audience is all', () => {
    const e = eventWith(ALL_GREEN);
    expect(entitled(e, sub('a', 'green'))).toBe(true);
    expect(entitled(e, sub('b', 'clear'))).toBe(false);
    expect(entitled(eventWith({ ...ALL_GREEN, tlp: 'clear' }), sub('b', 'clear'))).toBe(true);
  });

  it('keeps AMBER within the same-sector audience', () => {
    const e = eventWith({
      tlp: 'amber',
      audience: { kind: 'same-sector', sector: 'finance' },
      agreementVersion: 1,
    });
    expect(entitled(e, sub('bank-isac', 'amber', ['finance']))).toBe(true);
    expect(entitled(e, sub('factory', 'amber', ['manufacturing']))).toBe(false);
    expect(entitled(e, sub('bank-green', 'green', ['finance']))).toBe(false);
  });

  it('keeps GREEN of a named audience to the named subscribers', () => {
    const e = eventWith({
      tlp: 'green',
      audience: { kind: 'named', subscribers: ['x'] },
      agreementVersion: 1,
    });
    expect(entitled(e, sub('x', 'green'))).toBe(true);
    expect(entitled(e, sub('y', 'amber'))).toBe(false);
  });

  it('sends AMBER+STRICT only to named recipients and RED to nobody automatically', () => {
    const strictAll = eventWith({ tlp: 'amber+strict', audience: { kind: 'all' }, agreementVersion: 1 });
    expect(entitled(strictAll, sub('x', 'amber+strict'))).toBe(false);
    const strictSector = eventWith({
      tlp: 'amber+strict',
      audience: { kind: 'same-sector', sector: 'finance' },
      agreementVersion: 1,
    });
    expect(entitled(strictSector, sub('x', 'amber+strict', ['finance']))).toBe(false);
    const strictNamed = eventWith({
      tlp: 'amber+strict',
      audience: { kind: 'named', subscribers: ['x'] },
      agreementVersion: 1,
    });
    expect(entitled(strictNamed, sub('x', 'amber+strict'))).toBe(true);
    expect(entitled(strictNamed, sub('x-amber', 'amber'))).toBe(false);
    expect(entitled(strictNamed, sub('y', 'amber+strict'))).toBe(false);
    const red = eventWith({
      tlp: 'red',
      audience: { kind: 'named', subscribers: ['x'] },
      agreementVersion: 1,
    });
    expect(entitled(red, sub('x', 'red'))).toBe(false);
  });

  it('treats an unknown clearance as no clearance', () => {
    expect(entitled(eventWith({ ...ALL_GREEN, tlp: 'clear' }), sub('x', 'bogus'))).toBe(false);
    expect(entitled(eventWith({ ...ALL_GREEN, tlp: 'clear' }), sub('x', 'constructor'))).toBe(false);
  });
});

describe('routeEvent', () => {
  it('routes to every channel of each entitled subscriber whose filters match, and to no one else', () => {
    const e = eventWith(ALL_GREEN, { confidence: 40 });
    const routes = routeEvent(e, [
      sub('a', 'green'),
      { ...sub('kafka-only', 'green'), channels: ['kafka'] },
      sub('picky', 'green', [], { minConfidence: 60 }),
      sub('uncleared', 'clear'),
    ]);
    expect(routes).toEqual([
      { subscriberId: 'a', channel: 'kafka' },
      { subscriberId: 'a', channel: 'taxii' },
      { subscriberId: 'kafka-only', channel: 'kafka' },
    ]);
  });
});
