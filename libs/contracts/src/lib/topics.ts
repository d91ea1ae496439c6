/**
 * Every Kafka topic kyoyu uses, versioned. Changing a payload incompatibly means a new `.vN` topic,
 * never a silent change of an existing one.
 */
export const Topics = {
  /** Alerts as customer SIEMs send them (victim data; short retention). */
  AlertsRaw: 'alerts.raw.v1',
  /** Canonical alerts produced by ingestion (victim data; short retention). */
  AlertsNormalized: 'alerts.normalized.v1',
  /** Every record a stage could not accept, with a stable reason code and its origin. */
  AlertsRejected: 'alerts.rejected.v1',
  /** Sanitized drafts the de-identification stage wants a human to clear. */
  ReviewRequested: 'review.requested.v1',
  /** Sanitized attack-technique events cleared for sharing (automatically or by review). */
  EventsReleased: 'events.released.v1',
} as const;

export type InternalTopic = (typeof Topics)[keyof typeof Topics];

/** Partition counts the topics are declared with (dev broker, compose topic job, Strimzi manifests). */
export const TopicPartitions: Readonly<Record<InternalTopic, number>> = {
  [Topics.AlertsRaw]: 8,
  [Topics.AlertsNormalized]: 8,
  [Topics.AlertsRejected]: 4,
  [Topics.ReviewRequested]: 4,
  [Topics.EventsReleased]: 8,
};

/** Partitions of each subscriber's own delivery topic. */
export const ShareTopicPartitions = 4;

const SUBSCRIBER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidSubscriberId(id: string): boolean {
  return SUBSCRIBER_ID.test(id);
}

/** A subscriber's own delivery topic: `share.<subscriber-id>.v1`. */
export function shareTopic(subscriberId: string): string {
  if (!isValidSubscriberId(subscriberId)) {
    throw new Error(`invalid subscriber id (expected ${SUBSCRIBER_ID.source})`);
  }
  return `share.${subscriberId}.v1`;
}

/** Kafka consumer groups, one per stage. */
export const ConsumerGroups = {
  Ingestion: 'kyoyu.ingestion',
  Deidentify: 'kyoyu.deidentify',
  Review: 'kyoyu.review',
  Fanout: 'kyoyu.fanout',
} as const;
