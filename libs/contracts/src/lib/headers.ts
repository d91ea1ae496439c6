/** Kafka header names. W3C trace context travels as `traceparent`/`tracestate` and is stripped at egress. */
export const Headers = {
  /** Development only: the customer a record comes from (production maps the Kafka principal). */
  SourceOrg: 'source-org',
  /** Optional override of format auto-detection on `alerts.raw.v1`. */
  AlertFormat: 'alert-format',
  Traceparent: 'traceparent',
  Tracestate: 'tracestate',
  CorrelationId: 'correlation-id',
  EventType: 'kyoyu-event-type',
  SchemaVersion: 'kyoyu-schema-version',
  /** How many times a transient failure has already been retried for this record. */
  Attempt: 'kyoyu-attempt',
} as const;

/** Headers that must never reach a subscriber. */
export const InternalHeaderNames: readonly string[] = [
  Headers.SourceOrg,
  Headers.Traceparent,
  Headers.Tracestate,
  Headers.CorrelationId,
  Headers.Attempt,
];
