import { context, propagation, type Context } from '@opentelemetry/api';
import { Headers } from '@kyoyu/contracts';

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

/** Removes every pipeline-internal header, for what leaves kyoyu. */
export function stripInternalHeaders(
  headers: Record<string, string>,
  internal: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!internal.includes(k)) out[k] = v;
  delete out[Headers.Traceparent];
  delete out[Headers.Tracestate];
  return out;
}
