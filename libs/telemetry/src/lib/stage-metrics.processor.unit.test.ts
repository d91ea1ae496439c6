import { SpanStatusCode } from '@opentelemetry/api';
import {
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { StageMetricsSpanProcessor, boundedOutcome, boundedReasons } from './stage-metrics.processor';

/** Reads metrics on demand (the Prometheus exporter does the same on each scrape). */
class OnDemandReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const reader = new OnDemandReader();
  const meters = new MeterProvider({ readers: [reader] });
  const tracer = new BasicTracerProvider({
    spanProcessors: [new StageMetricsSpanProcessor(meters)],
  }).getTracer('test');
  const metrics = async () => {
    const { resourceMetrics } = await reader.collect();
    return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
  };
  return { tracer, metrics };
}

describe('StageMetricsSpanProcessor', () => {
  it('counts outcomes per reason code and records latency from the stage spans', async () => {
    const { tracer, metrics } = setup();
    tracer
      .startSpan('deidentify process', {
        attributes: {
          'kyoyu.stage': 'deidentify',
          'kyoyu.outcome': 'held',
          'kyoyu.reasons': 'EGRESS_GUARD,RISK_THRESHOLD',
        },
      })
      .end();
    tracer
      .startSpan('deidentify process', {
        attributes: { 'kyoyu.stage': 'deidentify', 'kyoyu.outcome': 'released' },
      })
      .end();
    const retried = tracer.startSpan('deidentify process', { attributes: { 'kyoyu.stage': 'deidentify' } });
    retried.setStatus({ code: SpanStatusCode.ERROR });
    retried.end();
    tracer.startSpan('unrelated').end();

    const m = await metrics();
    const outcomes = (m.get('kyoyu_stage_outcomes') as SumMetricData).dataPoints.map((d) => ({
      ...d.attributes,
      n: d.value,
    }));
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { stage: 'deidentify', outcome: 'held', reason: 'EGRESS_GUARD', n: 1 },
        { stage: 'deidentify', outcome: 'held', reason: 'RISK_THRESHOLD', n: 1 },
        { stage: 'deidentify', outcome: 'released', reason: 'none', n: 1 },
        { stage: 'deidentify', outcome: 'retried', reason: 'none', n: 1 },
      ]),
    );
    expect(outcomes).toHaveLength(4);
    expect((m.get('kyoyu_egress_guard_hits') as SumMetricData).dataPoints[0]?.value).toBe(1);
    const latency = (m.get('kyoyu_stage_processing_seconds') as HistogramMetricData).dataPoints;
    expect(latency.reduce((n, d) => n + d.value.count, 0)).toBe(3);
  });

  it('never counts the batch span of a record that falls back to its own span', async () => {
    const { tracer, metrics } = setup();
    tracer.startSpan('x', { attributes: { 'kyoyu.stage': 'ingestion', 'kyoyu.batch.fallback': true } }).end();
    expect((await metrics()).get('kyoyu_stage_outcomes')).toBeUndefined();
  });
});

describe('bounded label values', () => {
  it('keeps codes and folds anything else, so a label can never carry record content', () => {
    expect(boundedOutcome('held')).toBe('held');
    expect(boundedOutcome('host HZ-PC-0147')).toBe('other');
    expect(boundedOutcome(42)).toBe('other');
    expect(boundedReasons('EGRESS_GUARD,taro.yamada@example.co.jp,EGRESS_GUARD')).toEqual([
      'EGRESS_GUARD',
      'OTHER',
    ]);
    expect(boundedReasons(undefined)).toEqual(['none']);
    expect(boundedReasons('')).toEqual(['none']);
  });
});
