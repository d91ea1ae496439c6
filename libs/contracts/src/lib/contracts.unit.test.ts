import {
  ContractViolation,
  Topics,
  decodeEvent,
  encodeEvent,
  shareTopic,
  type AlertRejectedEvent,
} from '../index';

const rejection: AlertRejectedEvent = {
  id: 'r1',
  type: 'AlertRejected',
  schemaVersion: 1,
  correlationId: 'c1',
  occurredAt: '2026-11-22T00:00:00.000Z',
  data: {
    reason: 'MALFORMED_JSON',
    stage: 'ingestion',
    detail: 'unexpected end of input',
    origin: { topic: Topics.AlertsRaw, partition: 3, offset: '42' },
    original: { base64: 'e30=', sha256: 'ab', size: 2 },
    rejectedAt: '2026-11-22T00:00:00.000Z',
  },
};

describe('event contracts', () => {
  it('round-trips a valid event through its topic schema', () => {
    const bytes = encodeEvent(Topics.AlertsRejected, rejection);
    expect(decodeEvent(Topics.AlertsRejected, bytes)).toEqual(rejection);
  });

  it('refuses to encode an event that breaks its contract, naming paths but not values', () => {
    const bad = {
      ...rejection,
      data: { ...rejection.data, reason: 'SECRET-host-name' },
    } as unknown as AlertRejectedEvent;
    expect(() => encodeEvent(Topics.AlertsRejected, bad)).toThrow(ContractViolation);
    expect(() => encodeEvent(Topics.AlertsRejected, bad)).toThrow(/data\.reason/);
    expect(() => encodeEvent(Topics.AlertsRejected, bad)).not.toThrow(/SECRET/);
  });

  it('rejects non-JSON and wrong-topic payloads on decode', () => {
    expect(() => decodeEvent(Topics.AlertsRejected, Buffer.from('{"id":'))).toThrow(/not JSON/);
    expect(() => decodeEvent(Topics.EventsReleased, encodeEvent(Topics.AlertsRejected, rejection))).toThrow(
      ContractViolation,
    );
    expect(() => decodeEvent(Topics.AlertsRejected, null)).toThrow(/empty value/);
  });

  it('names subscriber topics share.<id>.v1 and refuses ids that could escape the prefix', () => {
    expect(shareTopic('jp-isac')).toBe('share.jp-isac.v1');
    for (const bad of ['', 'A', 'x.y', '../x', 'a b', '-x'])
      expect(() => shareTopic(bad)).toThrow(/invalid subscriber id/);
  });
});
