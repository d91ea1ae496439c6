import { context, createContextKey, type Context } from '@opentelemetry/api';

const CORRELATION_ID = createContextKey('kyoyu.correlation-id');

/** The context with the correlation id of the record being handled (an opaque id, never record content). */
export function withCorrelationId(ctx: Context, correlationId: string | undefined): Context {
  return correlationId ? ctx.setValue(CORRELATION_ID, correlationId) : ctx;
}

/** The correlation id of the record the current code handles, if any. */
export function activeCorrelationId(): string | undefined {
  const v = context.active().getValue(CORRELATION_ID);
  return typeof v === 'string' ? v : undefined;
}
