import { z } from 'zod';
import { IndicatorType } from './alert';
import { Tlp } from './sharing';

/**
 * Subscribers: CSIRTs, ISACs, vendors and IoT makers that receive released events. Registered by the SOC
 * operator (admin API, `kyoyu subscribers import`), stored in PostgreSQL.
 */
export const SubscriberId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes (it names the Kafka topic)');

/** ATT&CK technique (`T1071`) or sub-technique (`T1071.001`); a technique filter also matches its subs. */
export const AttackTechniqueId = z
  .string()
  .regex(/^T\d{4}(\.\d{3})?$/, 'ATT&CK technique id, e.g. T1071.001');

/** ATT&CK tactic: its id (`TA0011`) or its short name (`command-and-control`). */
export const AttackTactic = z
  .string()
  .regex(/^(TA\d{4}|[a-z][a-z-]{1,62})$/, 'ATT&CK tactic id (TA0011) or short name (command-and-control)');

/** CPE 2.3 formatted string; only part, vendor and product take part in matching. */
export const Cpe23 = z
  .string()
  .regex(/^cpe:2\.3:[aho*]:[^:]+:[^:]+(:[^:]*){0,10}$/, 'CPE 2.3 string, e.g. cpe:2.3:h:acme:cam-x1:*');

/** A product a device maker or vendor wants to hear about: a CPE, or vendor (and product) names. */
export const ProductFilter = z.union([
  z.object({ cpe: Cpe23 }).strict(),
  z
    .object({
      vendor: z.string().trim().min(2).max(100),
      product: z.string().trim().min(1).max(100).optional(),
    })
    .strict(),
]);
export type ProductFilter = z.infer<typeof ProductFilter>;

/**
 * What a subscriber asked for. Every dimension given must match (AND); any value within a dimension
 * matches (OR); an absent or empty dimension does not restrict.
 */
export const SubscriberFilters = z
  .object({
    tactics: z.array(AttackTactic).max(100).optional(),
    techniques: z.array(AttackTechniqueId).max(1000).optional(),
    /** The event must carry at least one shareable (non-victim) indicator of one of these types. */
    indicatorTypes: z.array(IndicatorType).max(50).optional(),
    /** 0–100 (STIX confidence scale). */
    minConfidence: z.number().int().min(0).max(100).optional(),
    products: z.array(ProductFilter).max(500).optional(),
  })
  .strict();
export type SubscriberFilters = z.infer<typeof SubscriberFilters>;

export const DeliveryChannel = z.enum(['kafka', 'taxii']);
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;

/** The smallest TAXII API key accepted: 32 characters of a random token (≥ 128 bits of entropy). */
export const TAXII_API_KEY_MIN_LENGTH = 32;

/**
 * One subscriber as the operator registers it. `taxiiApiKey` is accepted in plaintext once, stored only
 * as a hash, and never returned; leaving it out keeps the stored key.
 */
export const SubscriberRegistration = z
  .object({
    id: SubscriberId,
    name: z.string().trim().min(1).max(200),
    sectors: z.array(z.string().min(1).max(100)).max(50).default([]),
    /** Highest TLP the subscriber is cleared for (RED is never delivered automatically). */
    tlpClearance: Tlp.exclude(['red']),
    filters: SubscriberFilters.default({}),
    channels: z.array(DeliveryChannel).min(1).default(['kafka', 'taxii']),
    active: z.boolean().default(true),
    taxiiApiKey: z
      .string()
      .min(TAXII_API_KEY_MIN_LENGTH)
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional(),
  })
  .strict();
export type SubscriberRegistration = z.infer<typeof SubscriberRegistration>;
export type SubscriberRegistrationInput = z.input<typeof SubscriberRegistration>;

/** The JSON file operators import: `{ "subscribers": [ ... ] }`. */
export const SubscriberImportFile = z.object({ subscribers: z.array(SubscriberRegistration).min(1) });
export type SubscriberImportFile = z.infer<typeof SubscriberImportFile>;

/** Why a released event is withdrawn. */
export const RevocationReason = z.enum([
  'false-positive',
  'victim-data-leak',
  'agreement-withdrawn',
  'other',
]);
export type RevocationReason = z.infer<typeof RevocationReason>;

/**
 * An operator's withdrawal of a released event (`events.revoked.v1`). Fan-out sends revoked versions of
 * the event's STIX objects to every subscriber that got it, over every channel.
 */
export const EventRevocation = z.object({
  eventId: z.string().min(1).max(200),
  reason: RevocationReason,
  /** When the operator withdrew it (ISO-8601); becomes the `modified` of the revoked versions. */
  revokedAt: z.string().datetime({ offset: true }),
  /** The operator who withdrew it (an operator account, never victim data). */
  revokedBy: z.string().min(1).max(200),
});
export type EventRevocation = z.infer<typeof EventRevocation>;
