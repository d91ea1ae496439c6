import { z } from 'zod';

/** Stable reason codes: dashboards, runbooks and the replay tool key on these. Never rename one. */
export const RejectReason = z.enum([
  'MALFORMED_JSON',
  'INVALID_UTF8',
  'UNKNOWN_FORMAT',
  'TOO_LARGE',
  'TOO_DEEP',
  'TOO_MANY_FIELDS',
  'STRING_TOO_LONG',
  'UNSAFE_NUMBER',
  'DUPLICATE_KEY',
  'SCHEMA_VIOLATION',
  'UNKNOWN_SOURCE',
  'NOT_AN_ALERT',
  'UNSUPPORTED_CLASS',
  'MALFORMED_CEF',
  'EMPTY_RECORD',
  'INVALID_EVENT',
  'RETRIES_EXHAUSTED',
]);
export type RejectReason = z.infer<typeof RejectReason>;

export const Stage = z.enum(['ingestion', 'deidentify', 'review', 'fanout']);
export type Stage = z.infer<typeof Stage>;

export const Origin = z.object({
  topic: z.string(),
  partition: z.number().int().min(0),
  offset: z.string(),
});
export type Origin = z.infer<typeof Origin>;

/** A record a stage could not accept. `detail` never echoes victim data. */
export const Rejection = z.object({
  reason: RejectReason,
  stage: Stage,
  detail: z.string(),
  origin: Origin,
  /** The customer the record was attributed to, when that was established. */
  sourceOrg: z.string().optional(),
  original: z.object({
    /** The original bytes, base64, when at most the configured size; otherwise only the hash. */
    base64: z.string().optional(),
    sha256: z.string(),
    size: z.number().int().min(0),
  }),
  rejectedAt: z.string(),
});
export type Rejection = z.infer<typeof Rejection>;
