import { z } from 'zod';
import { Audience, Tlp } from './sharing';

/**
 * A registered customer: the victim-side dictionary the de-identification engine removes, and the sharing
 * agreement (NDA terms under METI's model clauses) that says what may be shared and with whom.
 * Imported from JSON by operators (`kyoyu customers import`), stored in PostgreSQL.
 */
export const CustomerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');

export const AdDomain = z.object({
  /** DNS name, e.g. `corp.example.co.jp`. */
  dnsName: z.string().optional(),
  /** NetBIOS name, e.g. `CORP`. */
  netbiosName: z.string().optional(),
  /** Domain SID prefix, e.g. `S-1-5-21-1004336348-1177238915-682003330`. */
  sid: z.string().optional(),
});
export type AdDomain = z.infer<typeof AdDomain>;

export const CustomerRegistryEntry = z.object({
  id: CustomerId,
  /** Every name and form: legal name, short names, kanji/kana, romaji, English. */
  names: z.array(z.string().min(1)).min(1),
  /** Domains incl. IDN (Unicode or punycode form). */
  domains: z.array(z.string()).default([]),
  /** E-mail domains, incl. tenant domains such as `example.onmicrosoft.com`. */
  emailDomains: z.array(z.string()).default([]),
  /** The customer's public ranges (CIDR, v4/v6): its own addresses are victim data. */
  publicRanges: z.array(z.string()).default([]),
  /** Internal ranges beyond RFC 1918/6598/link-local/ULA, which are always treated as internal. */
  internalRanges: z.array(z.string()).default([]),
  adDomains: z.array(AdDomain).default([]),
  /** Cloud tenant and account ids (Azure tenant GUIDs, AWS account ids, GCP project ids). */
  cloudAccounts: z.array(z.string()).default([]),
  /** Tenant ids in the customer's SIEM (Wazuh cluster, Elastic space, Sentinel workspace...). */
  siemTenants: z.array(z.string()).default([]),
  /** Additional identifiers: brand names, product names, well-known host names. */
  keywords: z.array(z.string()).default([]),
  sector: z.string(),
  region: z.object({
    country: z.string().length(2),
    prefecture: z.string().optional(),
    city: z.string().optional(),
  }),
  size: z.enum(['small', 'medium', 'large', 'enterprise']).optional(),
  /** Kafka principals whose records are attributed to this customer (production). */
  kafkaPrincipals: z.array(z.string()).default([]),
});
export type CustomerRegistryEntry = z.infer<typeof CustomerRegistryEntry>;

export const SharingAgreement = z.object({
  /** Increases with every change; released events record the version they were released under. */
  version: z.number().int().min(1),
  /** False: every item goes to human review. */
  autoRelease: z.boolean(),
  defaultTlp: Tlp,
  audience: Audience,
  /** Hours an event waits before it may be shared (0 = none). */
  embargoHours: z.number().int().min(0).default(0),
  /** Whether the submitting SOC may be named as producer. */
  nameSubmittingSoc: z.boolean().default(true),
  /** Always require two reviewers. */
  requireFourEyes: z.boolean().default(false),
});
export type SharingAgreement = z.infer<typeof SharingAgreement>;

export const Customer = CustomerRegistryEntry.extend({ agreement: SharingAgreement });
export type Customer = z.infer<typeof Customer>;

/** The JSON file operators import: `{ "customers": [ ... ] }`. */
export const CustomerImportFile = z.object({ customers: z.array(Customer).min(1) });
export type CustomerImportFile = z.infer<typeof CustomerImportFile>;
