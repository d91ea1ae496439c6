import { z } from 'zod';
import { Alert } from './alert';
import { Rejection, Origin } from './rejection';
import { ReleasedEvent, ReviewRequest } from './sharing';
import { Topics } from './topics';
import { EventRevocation } from './subscription';

/**
 * Every event on an internal topic is an envelope: id, type, schema version, correlation id and the
 * coordinates of the record it was derived from. Past-tense type names: they describe what happened.
 */
function envelope<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    id: z.string(),
    type: z.literal(type),
    schemaVersion: z.literal(1),
    /** Carried unchanged from the first record of the chain (the raw alert). */
    correlationId: z.string(),
    /** Where the record this event was derived from was read. */
    source: Origin.optional(),
    occurredAt: z.string(),
    data,
  });
}

export const AlertNormalizedEvent = envelope('AlertNormalized', Alert);
export type AlertNormalizedEvent = z.infer<typeof AlertNormalizedEvent>;

export const AlertRejectedEvent = envelope('AlertRejected', Rejection);
export type AlertRejectedEvent = z.infer<typeof AlertRejectedEvent>;

export const ReviewRequestedEvent = envelope('ReviewRequested', ReviewRequest);
export type ReviewRequestedEvent = z.infer<typeof ReviewRequestedEvent>;

export const EventReleasedEvent = envelope('EventReleased', ReleasedEvent);
export type EventReleasedEvent = z.infer<typeof EventReleasedEvent>;

export const EventRevokedEvent = envelope('EventRevoked', EventRevocation);
export type EventRevokedEvent = z.infer<typeof EventRevokedEvent>;

/** The schema of the events on each internal topic (raw alerts are the customers' own bytes). */
export const TopicSchemas = {
  [Topics.AlertsNormalized]: AlertNormalizedEvent,
  [Topics.AlertsRejected]: AlertRejectedEvent,
  [Topics.ReviewRequested]: ReviewRequestedEvent,
  [Topics.EventsReleased]: EventReleasedEvent,
  [Topics.EventsRevoked]: EventRevokedEvent,
} as const;

export type EventTopic = keyof typeof TopicSchemas;
export type TopicEvent<T extends EventTopic> = z.infer<(typeof TopicSchemas)[T]>;

export class ContractViolation extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  constructor(
    readonly topic: string,
    /** Paths and issue codes only, never the offending values (they may be victim data). */
    readonly issues: string[],
  ) {
    super(`event on ${topic} violates its contract: ${issues.slice(0, 5).join('; ')}`);
  }
}

/** Serializes an event after validating it against its topic's schema. */
export function encodeEvent<T extends EventTopic>(topic: T, event: TopicEvent<T>): Buffer {
  const parsed = TopicSchemas[topic].safeParse(event);
  if (!parsed.success) throw new ContractViolation(topic, describeIssues(parsed.error));
  return Buffer.from(JSON.stringify(parsed.data));
}

/** Parses and validates an event read from a topic; throws ContractViolation on anything else. */
export function decodeEvent<T extends EventTopic>(topic: T, value: Buffer | string | null): TopicEvent<T> {
  if (value === null) throw new ContractViolation(topic, ['(root): empty value']);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new ContractViolation(topic, ['(root): not JSON']);
  }
  const parsed = TopicSchemas[topic].safeParse(json);
  if (!parsed.success) throw new ContractViolation(topic, describeIssues(parsed.error));
  return parsed.data as TopicEvent<T>;
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
}
