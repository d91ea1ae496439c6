import { metrics } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { StageMetricsSpanProcessor } from './stage-metrics.processor';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP endpoint of a collector, e.g. http://otel-collector:4318. Without it no trace is exported. */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter to read spans back. */
  exporter?: SpanExporter;
  /**
   * Port of the Prometheus scrape endpoint (`GET /metrics`), apart from the service's HTTP port so it is
   * never routed to the outside with the service's API. Without it metrics are collected but not served.
   */
  metricsPort?: number;
  /** Interface the scrape endpoint binds to (the service's HTTP_HOST). */
  metricsHost?: string;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK. Call it before anything else in a service's main.ts, so the tracer and
 * meter providers and the W3C propagator are registered before the first span, meter or Kafka message.
 * Span attributes and metric labels must never carry victim data: only stage, outcome, reason codes,
 * topics, partitions, subscriber ids and counts.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: opts.serviceName,
    [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.1.0',
  });
  const prometheus =
    opts.metricsPort !== undefined
      ? new PrometheusExporter({
          port: opts.metricsPort,
          ...(opts.metricsHost ? { host: opts.metricsHost } : {}),
        })
      : undefined;
  const meterProvider = new MeterProvider({ resource, readers: prometheus ? [prometheus] : [] });
  metrics.setGlobalMeterProvider(meterProvider);

  const exporter =
    opts.exporter ??
    (opts.otlpEndpoint ? new OTLPTraceExporter({ url: `${opts.otlpEndpoint}/v1/traces` }) : undefined);
  const spanProcessors: SpanProcessor[] = [new StageMetricsSpanProcessor(meterProvider)];
  if (exporter)
    spanProcessors.push(opts.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter));
  // The tracer provider alone, not NodeSDK: that one loads every exporter and protocol it could configure
  // (≈ 30 MB more resident per service), where we use OTLP/HTTP and Prometheus only. register() installs the
  // async-local-storage context manager and the W3C trace-context and baggage propagators, as NodeSDK did.
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  tracerProvider.register();
  return {
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
