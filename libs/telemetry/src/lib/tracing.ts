import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP endpoint of a collector, e.g. http://otel-collector:4318. Without it nothing is exported. */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter to read spans back. */
  exporter?: SpanExporter;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK. Call it before anything else in a service's main.ts, so the tracer
 * provider and the W3C propagator are registered before the first span or Kafka message.
 * Span attributes must never carry victim data: only stage, outcome, reason codes and counts.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const exporter =
    opts.exporter ??
    (opts.otlpEndpoint ? new OTLPTraceExporter({ url: `${opts.otlpEndpoint}/v1/traces` }) : undefined);
  const spanProcessors = exporter
    ? [opts.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)]
    : [];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.1.0',
    }),
    spanProcessors,
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
