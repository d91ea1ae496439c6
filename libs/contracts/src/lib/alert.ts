import { z } from 'zod';

/**
 * The canonical alert: what ingestion makes of every SIEM record, whatever its format.
 * It still carries victim data (it is the input of de-identification) and never leaves the pipeline.
 */
export const ALERT_SCHEMA_VERSION = 1;

export const AlertFormat = z.enum(['ocsf', 'ecs', 'suricata', 'wazuh', 'cef']);
export type AlertFormat = z.infer<typeof AlertFormat>;

export const IndicatorType = z.enum([
  'ipv4',
  'ipv6',
  'domain',
  'hostname',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'filename',
  'file-path',
  'ja3',
  'ja3s',
  'cve',
  'user-agent',
  'mac',
  'asn',
  'tls-sni',
]);
export type IndicatorType = z.infer<typeof IndicatorType>;

/** Which side an observable belongs to: decided by address space, direction and field semantics. */
export const IndicatorRole = z.enum(['attacker', 'victim', 'unknown']);
export type IndicatorRole = z.infer<typeof IndicatorRole>;

export const Indicator = z.object({
  type: IndicatorType,
  value: z.string(),
  role: IndicatorRole,
  /** Path of the field it came from in the original record, e.g. `dest_ip`, `http.url`. */
  field: z.string(),
});
export type Indicator = z.infer<typeof Indicator>;

export const Technique = z.object({
  /** ATT&CK id, upper-case: `T1059` or `T1059.001`. */
  id: z.string(),
  name: z.string().optional(),
  /** True when the id is in the ATT&CK catalogue the stage was built with. */
  known: z.boolean(),
});
export type Technique = z.infer<typeof Technique>;

export const Tactic = z.object({
  /** `TA0002` when known. */
  id: z.string().optional(),
  /** ATT&CK short name, e.g. `execution`. */
  shortname: z.string().optional(),
  name: z.string().optional(),
  known: z.boolean(),
});
export type Tactic = z.infer<typeof Tactic>;

export const SeverityLabel = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type SeverityLabel = z.infer<typeof SeverityLabel>;

export const Severity = z.object({
  /** Normalized 0–100. */
  score: z.number().int().min(0).max(100),
  label: SeverityLabel,
  /** The value as the source expressed it. */
  native: z.union([z.string(), z.number()]).optional(),
});
export type Severity = z.infer<typeof Severity>;

export const Hashes = z.object({
  md5: z.string().optional(),
  sha1: z.string().optional(),
  sha256: z.string().optional(),
  sha512: z.string().optional(),
});

export const HostEntity = z.object({
  name: z.string().optional(),
  domain: z.string().optional(),
  ips: z.array(z.string()).default([]),
  macs: z.array(z.string()).default([]),
  id: z.string().optional(),
  os: z.string().optional(),
  field: z.string(),
});
export type HostEntity = z.infer<typeof HostEntity>;

export const UserEntity = z.object({
  name: z.string().optional(),
  domain: z.string().optional(),
  email: z.string().optional(),
  /** SID or other account id. */
  id: z.string().optional(),
  field: z.string(),
});
export type UserEntity = z.infer<typeof UserEntity>;

export const ProcessEntity = z.object({
  name: z.string().optional(),
  pid: z.number().int().optional(),
  executable: z.string().optional(),
  commandLine: z.string().optional(),
  parentName: z.string().optional(),
  parentCommandLine: z.string().optional(),
  user: z.string().optional(),
  hashes: Hashes.optional(),
  field: z.string(),
});
export type ProcessEntity = z.infer<typeof ProcessEntity>;

export const FileEntity = z.object({
  name: z.string().optional(),
  path: z.string().optional(),
  hashes: Hashes.optional(),
  size: z.number().optional(),
  field: z.string(),
});
export type FileEntity = z.infer<typeof FileEntity>;

export const NetworkDirection = z.enum(['inbound', 'outbound', 'internal', 'external', 'unknown']);
export type NetworkDirection = z.infer<typeof NetworkDirection>;

export const NetworkEntity = z.object({
  srcIp: z.string().optional(),
  srcPort: z.number().int().optional(),
  dstIp: z.string().optional(),
  dstPort: z.number().int().optional(),
  protocol: z.string().optional(),
  direction: NetworkDirection,
  field: z.string(),
});
export type NetworkEntity = z.infer<typeof NetworkEntity>;

export const Entities = z.object({
  hosts: z.array(HostEntity).default([]),
  users: z.array(UserEntity).default([]),
  processes: z.array(ProcessEntity).default([]),
  files: z.array(FileEntity).default([]),
  network: z.array(NetworkEntity).default([]),
});
export type Entities = z.infer<typeof Entities>;

export const Product = z.object({
  vendor: z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
});
export type Product = z.infer<typeof Product>;

export const Rule = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  category: z.string().optional(),
  /**
   * True for public signature ids (Suricata/ET/GPL sids, Sigma, vendor-published ids) that are safe to
   * share; false for a customer's private rule ids, which identify its detection set-up.
   */
  public: z.boolean(),
});
export type Rule = z.infer<typeof Rule>;

/** A free-text field kept verbatim so de-identification can scan it. */
export const TextField = z.object({
  field: z.string(),
  text: z.string(),
});
export type TextField = z.infer<typeof TextField>;

export const OriginalRecord = z.object({
  /** The record as received, UTF-8. Reviewers only; never forwarded to subscribers. */
  raw: z.string(),
  contentType: z.enum(['json', 'text']),
});
export type OriginalRecord = z.infer<typeof OriginalRecord>;

export const Alert = z.object({
  schemaVersion: z.literal(ALERT_SCHEMA_VERSION),
  /** Deterministic: from source org + native id, or a content hash when the record has no id. */
  id: z.string(),
  sourceOrg: z.string(),
  format: AlertFormat,
  nativeId: z.string().optional(),
  /** When the source says it happened (ISO-8601 UTC). */
  observedAt: z.string(),
  /** When ingestion received it (ISO-8601 UTC). */
  receivedAt: z.string(),
  severity: Severity,
  title: z.string(),
  description: z.string().optional(),
  /**
   * How many times the detecting tool saw this within its own aggregation (CEF `cnt`, Wazuh
   * `rule.firedtimes`, OCSF `count`, Elastic threshold count). Exact here; bucketed before it is shared.
   */
  occurrences: z.number().int().min(1).optional(),
  techniques: z.array(Technique).default([]),
  tactics: z.array(Tactic).default([]),
  indicators: z.array(Indicator).default([]),
  entities: Entities,
  product: Product,
  rule: Rule.optional(),
  texts: z.array(TextField).default([]),
  original: OriginalRecord,
});
export type Alert = z.infer<typeof Alert>;
