import { Topics, TopicPartitions } from './topics';
import { EventRevokedEvent } from './envelope';
import { SubscriberImportFile, SubscriberRegistration } from './subscription';

describe('SubscriberRegistration', () => {
  const base = { id: 'iot-maker', name: 'IoT maker PSIRT', tlpClearance: 'green' };

  it('fills defaults: no filters, both channels, active', () => {
    expect(SubscriberRegistration.parse(base)).toEqual({
      ...base,
      sectors: [],
      filters: {},
      channels: ['kafka', 'taxii'],
      active: true,
    });
  });

  it('accepts every filter dimension', () => {
    const filters = {
      tactics: ['TA0011', 'initial-access'],
      techniques: ['T1190', 'T1071.001'],
      indicatorTypes: ['ipv4', 'url'],
      minConfidence: 60,
      products: [{ cpe: 'cpe:2.3:h:acme:cam_x1:*:*:*:*:*:*:*:*' }, { vendor: 'Acme', product: 'Cam X1' }],
    };
    expect(SubscriberRegistration.parse({ ...base, filters }).filters).toEqual(filters);
  });

  it.each([
    ['an id that could escape the topic prefix', { id: 'x.v1.evil' }],
    ['RED clearance (never delivered automatically)', { tlpClearance: 'red' }],
    ['a malformed technique', { filters: { techniques: ['1071'] } }],
    ['a malformed CPE', { filters: { products: [{ cpe: 'acme:cam' }] } }],
    ['an unknown filter (typo)', { filters: { technique: ['T1071'] } }],
    ['a short TAXII key', { taxiiApiKey: 'short' }],
    ['no channel', { channels: [] }],
  ])('refuses %s', (_name, over) => {
    expect(SubscriberRegistration.safeParse({ ...base, ...over }).success).toBe(false);
  });

  it('takes a high-entropy TAXII key in an import file', () => {
    const file = SubscriberImportFile.parse({ subscribers: [{ ...base, taxiiApiKey: 'k'.repeat(43) }] });
    expect(file.subscribers[0]?.taxiiApiKey).toHaveLength(43);
  });
});

describe('events.revoked.v1', () => {
  it('is declared with its partitions and validates withdrawals', () => {
    expect(TopicPartitions[Topics.EventsRevoked]).toBe(1);
    const ok = EventRevokedEvent.safeParse({
      id: 'r1',
      type: 'EventRevoked',
      schemaVersion: 1,
      correlationId: 'c1',
      occurredAt: '2026-11-21T00:00:00.000Z',
      data: {
        eventId: 'e1',
        reason: 'false-positive',
        revokedAt: '2026-11-21T00:00:00.000Z',
        revokedBy: 'op-1',
      },
    });
    expect(ok.success).toBe(true);
    expect(
      EventRevokedEvent.safeParse({ ...ok.data, data: { ...ok.data!.data, reason: 'because' } }).success,
    ).toBe(false);
  });
});
