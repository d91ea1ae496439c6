import type { Context } from '@opentelemetry/api';
import type { Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Label values are codes from closed sets; anything else is folded so a label can never grow unbounded. */
const OUTCOME = /^[a-z][a-z-]{0,31}$/;
const REASON = /^[A-Z][A-Z0-9_]{0,63}$/;
const STAGE = /^[a-z][a-z-]{0,31}$/;

export function boundedOutcome(v: unknown): string {
  return typeof v === 'string' && OUTCOME.test(v) ? v : 'other';
}

export function boundedReasons(v: unknown): string[] {
  if (typeof v !== 'string' || v.length === 0) return ['none'];
  const codes = v.split(',').map((c) => (REASON.test(c) ? c : 'OTHER'));
  return [...new Set(codes)];
}

/**
 * Derives each stage's outcome and latency metrics from the span every stage already creates per record
 * (StageConsumer's CONSUMER span carrying `kyoyu.stage`, `kyoyu.outcome` and `kyoyu.reason(s)`): one source
 * of truth for traces and metrics, and nothing for the stages to call twice.
 */
export class StageMetricsSpanProcessor implements SpanProcessor {
  private readonly outcomes: Counter;
  private readonly latency: Histogram;
  private readonly egressGuardHits: Counter;

  constructor(provider: MeterProvider) {
    const meter = provider.getMeter('kyoyu.stage');
    this.outcomes = meter.createCounter('kyoyu_stage_outcomes', {
      description: 'Records by stage, outcome and reason code (one per reason for multi-reason holds)',
    });
    this.latency = meter.createHistogram('kyoyu_stage_processing_seconds', {
      description: 'Time to process one record (one attempt), by stage and outcome',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      },
    });
    this.egressGuardHits = meter.createCounter('kyoyu_egress_guard_hits', {
      description: 'Items the egress guard held because the outgoing payload matched the customer dictionary',
    });
  }

  onStart(_span: Span, _ctx: Context): void {
    // metrics are taken when the outcome is known
  }

  onEnd(span: ReadableSpan): void {
    const stage = span.attributes['kyoyu.stage'];
    if (typeof stage !== 'string' || !STAGE.test(stage)) return;
    // A batch's span for a record that is then handled on its own: the record's own span counts it.
    if (span.attributes['kyoyu.batch.fallback'] === true) return;
    const errored = span.status.code === 2;
    const outcome =
      errored && span.attributes['kyoyu.outcome'] === undefined
        ? 'retried'
        : boundedOutcome(span.attributes['kyoyu.outcome'] ?? 'handled');
    const reasons = boundedReasons(span.attributes['kyoyu.reason'] ?? span.attributes['kyoyu.reasons']);
    for (const reason of reasons) {
      this.outcomes.add(1, { stage, outcome, reason });
      if (reason === 'EGRESS_GUARD') this.egressGuardHits.add(1, { stage });
    }
    this.latency.record(hrTimeToMilliseconds(span.duration) / 1000, { stage, outcome });
  }

  async forceFlush(): Promise<void> {
    // counters live in the meter provider; its reader is flushed on shutdown
  }

  async shutdown(): Promise<void> {
    // nothing of its own
  }
}
