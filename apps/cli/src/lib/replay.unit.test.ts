import { sha256Hex, type AlertRejectedEvent } from '@kyoyu/contracts';
import { replayRefusal } from './replay';
import type { StoredRejection } from './rejections';

function rejection(over: Partial<AlertRejectedEvent['data']> = {}): StoredRejection {
  const original = Buffer.from('{"event_type":"alert"');
  return {
    key: 'k',
    at: { partition: 0, offset: '1' },
    event: {
      id: 'r1',
      type: 'AlertRejected',
      schemaVersion: 1,
      correlationId: 'r1',
      occurredAt: '2026-11-22T00:00:00.000Z',
      data: {
        reason: 'MALFORMED_JSON',
        stage: 'ingestion',
        detail: 'x',
        origin: { topic: 'alerts.raw.v1', partition: 0, offset: '7' },
        original: { base64: original.toString('base64'), sha256: sha256Hex(original), size: original.length },
        rejectedAt: '2026-11-22T00:00:00.000Z',
        ...over,
      },
    },
  };
}

describe('replayRefusal', () => {
  it('allows records rejected at ingestion from an input topic, with their original kept', () => {
    expect(replayRefusal(rejection())).toBeUndefined();
    expect(
      replayRefusal(rejection({ origin: { topic: 'alerts.raw.siem-a.v1', partition: 1, offset: '2' } })),
    ).toBeUndefined();
    expect(
      replayRefusal(rejection({ origin: { topic: 'alerts.replay.v1', partition: 0, offset: '2' } })),
    ).toBeUndefined();
  });

  it('refuses what re-ingesting cannot fix or would corrupt', () => {
    expect(replayRefusal(rejection({ stage: 'deidentify' }))?.code).toBe('NOT_REPLAYABLE');
    expect(
      replayRefusal(rejection({ origin: { topic: 'alerts.normalized.v1', partition: 0, offset: '1' } }))
        ?.code,
    ).toBe('NOT_REPLAYABLE');
    expect(replayRefusal(rejection({ original: { sha256: 'ab', size: 20_000_000 } }))?.code).toBe(
      'ORIGINAL_NOT_KEPT',
    );
    expect(
      replayRefusal(
        rejection({ original: { base64: Buffer.from('other').toString('base64'), sha256: 'ab', size: 5 } }),
      )?.code,
    ).toBe('ORIGINAL_CORRUPT');
  });
});
