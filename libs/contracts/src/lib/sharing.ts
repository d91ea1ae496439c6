import { z } from 'zod';
import { IndicatorRole, IndicatorType, SeverityLabel } from './alert';

/** TLP 2.0 labels. */
export const Tlp = z.enum(['clear', 'green', 'amber', 'amber+strict', 'red']);
export type Tlp = z.infer<typeof Tlp>;

/** Who a customer's sharing agreement lets its events reach. */
export const Audience = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('same-sector'), sector: z.string() }),
  z.object({ kind: z.literal('named'), subscribers: z.array(z.string()) }),
]);
export type Audience = z.infer<typeof Audience>;

/** The distribution terms a released event carries, so fan-out never needs to know the victim. */
export const Distribution = z.object({
  tlp: Tlp,
  audience: Audience,
  /** Version of the sharing agreement the event was released under. */
  agreementVersion: z.number().int().min(1),
  /**
   * The agreement forbids naming the submitting SOC: bundles name an anonymous contributor as producer.
   * Absent or false: the SOC operator is named.
   */
  anonymousProducer: z.boolean().optional(),
  /** Release not before this instant (ISO-8601), when the agreement sets an embargo. */
  embargoUntil: z.string().optional(),
});
export type Distribution = z.infer<typeof Distribution>;

export const SharedIndicator = z.object({
  type: IndicatorType,
  value: z.string(),
  role: IndicatorRole,
});
export type SharedIndicator = z.infer<typeof SharedIndicator>;

/**
 * The sanitized attack-technique event: what may leave kyoyu. It holds no victim identifier,
 * no source customer id, and no original record.
 */
/**
 * How often the detecting tool saw it, bucketed: an exact count can fingerprint one customer's incident
 * (the same figure in its own report or a news story); a bucket cannot.
 */
export const OccurrenceBucket = z.enum(['1', '2-9', '10-99', '100-999', '1000+']);
export type OccurrenceBucket = z.infer<typeof OccurrenceBucket>;

export const SanitizedEvent = z.object({
  /** Deterministic (from the alert id and the release), so redelivery is idempotent. */
  eventId: z.string(),
  /** Opaque case id that replaces the victim's names and ids. */
  caseId: z.string(),
  /** Observation time coarsened (to the hour by default). */
  observedAt: z.string(),
  title: z.string(),
  description: z.string().optional(),
  severity: z.object({ score: z.number().int().min(0).max(100), label: SeverityLabel }),
  techniques: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  tactics: z.array(z.object({ id: z.string().optional(), shortname: z.string().optional() })),
  indicators: z.array(SharedIndicator),
  malware: z.array(z.string()).default([]),
  cves: z.array(z.string()).default([]),
  /** Public signature only (private rule ids are dropped). */
  signature: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  /** Generalized context, present only when enough customers share it (k-anonymity). */
  context: z.object({ sector: z.string().optional(), country: z.string().optional() }).default({}),
  /** The alert's native repeat count, bucketed; absent when the source gave none. */
  occurrences: OccurrenceBucket.optional(),
  /** 0–100, STIX confidence scale. */
  confidence: z.number().int().min(0).max(100),
  distribution: Distribution,
});
export type SanitizedEvent = z.infer<typeof SanitizedEvent>;

/** One change the engine made: the reviewer's "why". Never holds the removed value itself. */
export const Transformation = z.object({
  field: z.string(),
  class: z.string(),
  action: z.enum(['drop', 'mask', 'pseudonymize', 'generalize', 'keep', 'hold']),
  rule: z.string(),
});
export type Transformation = z.infer<typeof Transformation>;

export const HoldReason = z.object({
  /** Stable code, e.g. `AGREEMENT_REQUIRES_REVIEW`, `LOOKALIKE_DOMAIN`, `EGRESS_GUARD`, `RISK_THRESHOLD`. */
  code: z.string(),
  detail: z.string(),
});
export type HoldReason = z.infer<typeof HoldReason>;

/** Published by de-identification when a draft needs a human. */
export const ReviewRequest = z.object({
  caseId: z.string(),
  alertId: z.string(),
  /** The customer (internal topic only; review shows items only to reviewers cleared for it). */
  sourceOrg: z.string(),
  draft: SanitizedEvent,
  reasons: z.array(HoldReason).min(1),
  risk: z.number().min(0).max(100),
  transformations: z.array(Transformation),
  /** The original record, for cleared reviewers' side-by-side view. */
  original: z.object({ raw: z.string(), contentType: z.enum(['json', 'text']) }),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** How an event came to be released. */
export const ReleaseRoute = z.enum(['automatic', 'review']);

export const ReleasedEvent = z.object({
  event: SanitizedEvent,
  route: ReleaseRoute,
  releasedAt: z.string(),
});
export type ReleasedEvent = z.infer<typeof ReleasedEvent>;
