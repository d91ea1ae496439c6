import { z } from 'zod';

/**
 * Every Kafka topic kyoyu uses, versioned. Changing a payload incompatibly means a new `.vN` topic,
 * never a silent change of an existing one.
 */
export const Topics = {
  /**
   * Alerts as customer SIEMs send them (victim data; short retention). Development only: records are
   * attributed by their `source-org` header. In production each SIEM writes to its own principal's
   * topic (`principalRawTopic`).
   */
  AlertsRaw: 'alerts.raw.v1',
  /** Rejected records re-sent by an operator (`kyoyu rejections replay`); only the operator may write. */
  AlertsReplay: 'alerts.replay.v1',
  /** Canonical alerts produced by ingestion (victim data; short retention). */
  AlertsNormalized: 'alerts.normalized.v1',
  /** Every record a stage could not accept, with a stable reason code and its origin. */
  AlertsRejected: 'alerts.rejected.v1',
  /** Sanitized drafts the de-identification stage wants a human to clear. */
  ReviewRequested: 'review.requested.v1',
  /** Sanitized attack-technique events cleared for sharing (automatically or by review). */
  EventsReleased: 'events.released.v1',
  /** Operator withdrawals of released events; fan-out sends the revoked STIX versions to every recipient. */
  EventsRevoked: 'events.revoked.v1',
} as const;

export type InternalTopic = (typeof Topics)[keyof typeof Topics];

/** Partition counts the topics are declared with (dev broker, compose topic job, Strimzi manifests). */
export const TopicPartitions: Readonly<Record<InternalTopic, number>> = {
  [Topics.AlertsRaw]: 8,
  [Topics.AlertsReplay]: 1,
  [Topics.AlertsNormalized]: 8,
  [Topics.AlertsRejected]: 4,
  [Topics.ReviewRequested]: 4,
  [Topics.EventsReleased]: 8,
  [Topics.EventsRevoked]: 1,
};

const PRINCIPAL = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A customer SIEM's Kafka principal (the user name its SCRAM credentials or certificate carry). */
export const PrincipalName = z.string().regex(PRINCIPAL, 'lower-case letters, digits and dashes');

/**
 * The raw topic one customer SIEM's Kafka principal writes to: `alerts.raw.<principal>.v1`. The broker's
 * ACLs let only that principal write there, so the topic name attributes the record: the header can lie,
 * the principal cannot.
 */
export function principalRawTopic(principal: string): string {
  if (!PRINCIPAL.test(principal)) throw new Error(`invalid principal name (expected ${PRINCIPAL.source})`);
  return `alerts.raw.${principal}.v1`;
}

/** The principal of a `principalRawTopic`, or undefined for any other topic. */
export function principalOfRawTopic(topic: string): string | undefined {
  const m = /^alerts\.raw\.([a-z0-9][a-z0-9-]{0,62})\.v1$/.exec(topic);
  return m?.[1];
}

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
