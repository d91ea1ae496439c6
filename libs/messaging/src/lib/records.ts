import type { Span } from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A record read from a topic, with its coordinates (every rejection names them). */
export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
  /**
   * The record's own processing span, set for batch handlers (which run outside any one record's
   * context) so they can record the outcome on it. Single-record handlers use the active span instead.
   */
  span?: Span;
}

/** A record a stage wants published as the outcome of what it consumed. */
export interface OutboundMessage {
  topic: string;
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

/**
 * What a batch handler returns for one record: its outcome messages (possibly none), or the error that
 * record met, handled exactly as if a single-record handler had thrown it.
 */
export type RecordOutcome = OutboundMessage[] | Error;

export function toInboundRecord(topic: string, partition: number, m: KafkaMessage): InboundRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers: flattenHeaders(m.headers),
    timestamp: m.timestamp,
  };
}

/** Kafka allows repeated and binary headers; kyoyu's are single UTF-8 strings, the first one wins. */
export function flattenHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined) continue;
    out[name] = typeof v === 'string' ? v : v.toString('utf8');
  }
  return out;
}

/**
 * What a batch handler may ask of the consumer besides its outcomes. `defer(work)`: the batch's remaining work
 * (a store, say) may finish after the handler returns, so kafkajs fetches the partitions again meanwhile; the
 * records' offsets are committed only once `work` resolves, and should it reject, their partitions are read
 * again from the batch's first record, and those records are handled without deferral. Returns false when
 * deferral is not allowed now (the consumer is stopping, the records are read again after a failed deferral,
 * or one record is handled on its own): the handler must then await the work itself, so that its failure is
 * retried as any other.
 */
export interface BatchContext {
  defer(work: Promise<unknown>): boolean;
}

/** For handlers called outside a consumer, and for single-record fallbacks: nothing may be deferred. */
export const NO_DEFERRAL: BatchContext = { defer: () => false };
