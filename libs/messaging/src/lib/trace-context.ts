import { context, propagation, type Context } from '@opentelemetry/api';

/** The W3C trace context a record arrived with (root context when it has none). */
export function extractTraceContext(headers: Record<string, string>): Context {
  return propagation.extract(context.active(), headers);
}

/** Adds `traceparent`/`tracestate` of the given (or active) context to outgoing headers. */
export function injectTraceContext(
  headers: Record<string, string>,
  ctx: Context = context.active(),
): Record<string, string> {
  propagation.inject(ctx, headers);
  return headers;
}
