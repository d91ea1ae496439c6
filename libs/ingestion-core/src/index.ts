export { DEFAULT_LIMITS, type IngestionLimits, parseSafeJson } from './lib/safe-json';
export { type AttackCatalogue, buildAttackCatalogue } from './lib/attack';
export { normalizeRecord, detectJsonFormat, type RawRecord, type IngestOutcome } from './lib/normalize';
export { parseCef, type CefRecord } from './lib/formats/cef';
export { isInternalIp } from './lib/util';
