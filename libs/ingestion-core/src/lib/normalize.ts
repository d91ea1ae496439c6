import { hash } from 'node:crypto';
import { type Alert, type AlertFormat, deterministicId, type RejectReason } from '@kyoyu/contracts';
import type { AttackCatalogue } from './attack';
import { AlertBuilder } from './builder';
import { mapCef, parseCef, findCefStart } from './formats/cef';
import { isEcsAlert, mapEcs } from './formats/ecs';
import { mapOcsf, OCSF_SUPPORTED } from './formats/ocsf';
import { isSuricataAlert, mapSuricata } from './formats/suricata';
import { mapWazuh } from './formats/wazuh';
import { DEFAULT_LIMITS, type IngestionLimits, parseSafeJson } from './safe-json';
import { get, isObj, type Obj, int, str } from './util';

export interface RawRecord {
  value: Buffer;
  /** From the `alert-format` header; overrides detection. */
  formatHint?: string;
  sourceOrg: string;
  receivedAt: Date;
}

export type IngestOutcome =
  | { kind: 'normalized'; alert: Alert }
  | { kind: 'rejected'; reason: RejectReason; detail: string /* never echoes record content */ };

const FORMATS = new Set<string>(['ocsf', 'ecs', 'suricata', 'wazuh', 'cef']);
const JSON_FORMATS = new Set<string>(['ocsf', 'ecs', 'suricata', 'wazuh']);
const reject = (reason: RejectReason, detail: string): IngestOutcome => ({
  kind: 'rejected',
  reason,
  detail,
});
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON detection order: class_uid → ocsf; event_type + (src_ip|flow_id) → suricata; rule.level + (agent|manager|decoder) → wazuh; @timestamp/event.kind/ecs.version → ecs. */
export function detectJsonFormat(doc: Obj): AlertFormat | undefined {
  if ('class_uid' in doc) return 'ocsf';
  if ('event_type' in doc && ('src_ip' in doc || 'flow_id' in doc)) return 'suricata';
  if (get(doc, 'rule.level') !== undefined && ('agent' in doc || 'manager' in doc || 'decoder' in doc))
    return 'wazuh';
  if ('@timestamp' in doc || get(doc, 'event.kind') !== undefined || get(doc, 'ecs.version') !== undefined)
    return 'ecs';
  return undefined;
}

/**
 * Turns one raw SIEM record into a canonical Alert, or a rejection with a stable reason.
 * Never throws: a failure inside a mapper becomes SCHEMA_VIOLATION with a generic detail.
 */
export function normalizeRecord(
  record: RawRecord,
  opts: { limits?: IngestionLimits; catalogue?: AttackCatalogue } = {},
): IngestOutcome {
  try {
    return normalizeUnsafe(record, opts.limits ?? DEFAULT_LIMITS, opts.catalogue);
  } catch (e) {
    return reject('SCHEMA_VIOLATION', `mapper failed: ${e instanceof Error ? e.name : typeof e}`);
  }
}

function normalizeUnsafe(
  record: RawRecord,
  limits: IngestionLimits,
  catalogue: AttackCatalogue | undefined,
): IngestOutcome {
  const bytes = record.value;
  if (!Buffer.isBuffer(bytes)) return reject('SCHEMA_VIOLATION', 'value is not a buffer');
  if (bytes.length > limits.maxRecordBytes)
    return reject('TOO_LARGE', `record larger than ${limits.maxRecordBytes} bytes`);
  const hint = record.formatHint?.trim().toLowerCase();
  if (hint !== undefined && hint !== '' && !FORMATS.has(hint))
    return reject('UNKNOWN_FORMAT', 'unknown format hint');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return reject('INVALID_UTF8', 'record is not valid UTF-8');
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) return reject('EMPTY_RECORD', 'empty record');
  const receivedAt = isoOf(record.receivedAt);
  const sourceOrg = String(record.sourceOrg);
  const first = trimmed.charCodeAt(0);

  if (hint === 'cef' || (!hint && first !== 0x7b && first !== 0x5b)) {
    if (!hint && findCefStart(trimmed) < 0) return reject('UNKNOWN_FORMAT', 'not JSON and not CEF');
    if (trimmed.length > limits.maxStringLength)
      return reject('STRING_TOO_LONG', `CEF line longer than ${limits.maxStringLength}`);
    const cef = parseCef(trimmed);
    if (!cef) return reject('MALFORMED_CEF', 'malformed CEF header');
    if (cef.ext.size > limits.maxFields)
      return reject('TOO_MANY_FIELDS', `more than ${limits.maxFields} fields`);
    const b = new AlertBuilder('cef', catalogue);
    mapCef(cef, b);
    return finish(b, bytes, sourceOrg, receivedAt, text, 'text');
  }

  const parsed = parseSafeJson(text, limits);
  if (!parsed.ok) return reject(parsed.reason, parsed.detail);
  let doc = parsed.value;
  if (!isObj(doc))
    return reject(
      JSON_FORMATS.has(hint ?? '') ? 'SCHEMA_VIOLATION' : 'UNKNOWN_FORMAT',
      'JSON value is not an object',
    );
  // OpenSearch/Elasticsearch hit: the document is in _source.
  let hitId: string | undefined;
  if (isObj(doc['_source'])) {
    hitId = str(doc['_id']);
    doc = doc['_source'];
  }
  const d = doc as Obj;
  const format = (hint as AlertFormat | undefined) ?? detectJsonFormat(d);
  if (!format) return reject('UNKNOWN_FORMAT', 'format not recognised');
  const b = new AlertBuilder(format, catalogue);
  switch (format) {
    case 'ocsf': {
      const cls = int(d['class_uid']);
      if (cls === undefined) return reject('SCHEMA_VIOLATION', 'class_uid missing or not an integer');
      if (!OCSF_SUPPORTED.has(cls)) return reject('UNSUPPORTED_CLASS', `OCSF class ${cls} is not supported`);
      mapOcsf(d, b);
      break;
    }
    case 'suricata':
      if (!isSuricataAlert(d)) return reject('NOT_AN_ALERT', `EVE event_type ${safeToken(d['event_type'])}`);
      mapSuricata(d, b);
      break;
    case 'wazuh':
      if (!isObj(d['rule'])) return reject('SCHEMA_VIOLATION', 'rule missing');
      mapWazuh(d, b, hitId);
      break;
    case 'ecs':
      if (!isEcsAlert(d)) return reject('NOT_AN_ALERT', `ECS event.kind ${safeToken(get(d, 'event.kind'))}`);
      mapEcs(d, b, hitId);
      break;
    case 'cef':
      return reject('MALFORMED_CEF', 'JSON is not CEF');
  }
  return finish(b, bytes, sourceOrg, receivedAt, text, 'json');
}

/**
 * receivedAt as ISO-8601 (now, when it is not a valid Date). Records of one poll share their receive
 * time, so the last conversion is reused: toISOString is a runtime call, one of the larger fixed
 * costs per record.
 */
let lastReceivedMs = NaN;
let lastReceivedIso = '';
function isoOf(d: Date | undefined): string {
  const ms = typeof d?.getTime === 'function' ? d.getTime() : NaN;
  if (!isFinite(ms)) return new Date().toISOString();
  if (ms !== lastReceivedMs) {
    lastReceivedIso = (d as Date).toISOString();
    lastReceivedMs = ms;
  }
  return lastReceivedIso;
}

/** Echoes only short identifier-like tokens (event types), never record content. */
function safeToken(v: unknown): string {
  return typeof v === 'string' && /^[a-z0-9_.-]{1,32}$/i.test(v) ? v : '(other)';
}

function finish(
  b: AlertBuilder,
  bytes: Buffer,
  sourceOrg: string,
  receivedAt: string,
  raw: string,
  contentType: 'json' | 'text',
): IngestOutcome {
  const id = b.nativeId
    ? deterministicId('alert', sourceOrg, b.format, b.nativeId)
    : deterministicId('alert', sourceOrg, b.format, `sha256:${hash('sha256', bytes, 'hex')}`);
  return { kind: 'normalized', alert: b.build({ id, sourceOrg, receivedAt, raw, contentType }) };
}
