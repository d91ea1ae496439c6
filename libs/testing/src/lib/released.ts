import { Topics, encodeEvent, type SanitizedEvent } from '@kyoyu/contracts';

/**
 * A sanitized event as de-identification (or review) releases it on events.released.v1, released now and
 * automatically: for tests and benchmarks that feed fan-out directly.
 */
export function releasedRecord(event: SanitizedEvent): Buffer {
  const now = new Date().toISOString();
  return encodeEvent(Topics.EventsReleased, {
    id: `rel-${event.eventId}`,
    type: 'EventReleased',
    schemaVersion: 1,
    correlationId: `corr-${event.eventId}`,
    occurredAt: now,
    data: { event, route: 'automatic', releasedAt: now },
  });
}
