import type { AlertFormat } from '@kyoyu/contracts';

/** Where a victim identifier was planted (or what kind of trap an item is). */
export const HIDING_PLACES = [
  'structured',
  'free-text-en',
  'free-text-ja',
  'path',
  'unc',
  'command-line',
  'base64',
  'base64url',
  'utf16le',
  'gzip-base64',
  'hex',
  'url-encoded',
  'url-double-encoded',
  'html-entities',
  'mime-word',
  'nfkc',
  'punycode',
  'defanged',
  'ip-forms',
  'url',
  'url-query',
  'certificate',
  'email-header',
  'registry-sid',
  'cloud-ids',
  'quasi-identifiers',
  'trap-lookalike',
  'trap-phishing-subject',
  'trap-ransom-note',
] as const;
export type HidingPlace = (typeof HIDING_PLACES)[number];

export type ItemCategory = 'clean' | 'planted' | 'trap';

/** An identifier that must not appear in released output, in any form. */
export interface Secret {
  value: string;
  /** What it is (host, user, org-name, domain, ip, ...), for the breakdown. */
  kind: string;
  /** IP identifiers are searched in every textual form of an address. */
  ip?: boolean;
  /** Planted by the item's hiding place (the others are the alert's ordinary victim data). */
  planted?: boolean;
}

export interface GroundTruth {
  secrets: Secret[];
  /** Attack indicators that should survive (matched as substrings of the output, case-insensitively). */
  indicators: string[];
  /** ATT&CK technique ids the output should carry. */
  techniques: string[];
  /** True for traps: the engine must hold the item for review. */
  mustHold: boolean;
}

/** One labelled evaluation item: a raw SIEM record exactly as it would arrive on `alerts.raw.v1`. */
export interface EvalItem {
  id: string;
  format: AlertFormat;
  sourceOrg: string;
  category: ItemCategory;
  place: HidingPlace;
  /** Receive time the ingestion stage would stamp (deterministic). */
  receivedAt: string;
  raw: string;
  truth: GroundTruth;
}
