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
} as const;
