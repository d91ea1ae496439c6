import pino, { type Logger } from 'pino';
import { trace } from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import { activeCorrelationId } from './correlation';

export type { Logger } from 'pino';

/**
 * Structured JSON logs with the active trace and span ids and the record's correlation id. Callers log codes, counts and ids — never
 * alert content: alerts carry victim data and attacker-controlled strings.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin() {
      const out: Record<string, string> = {};
      const span = trace.getActiveSpan();
      if (span) {
        const ctx = span.spanContext();
        out['trace_id'] = ctx.traceId;
        out['span_id'] = ctx.spanId;
      }
      const correlationId = activeCorrelationId();
      if (correlationId) out['correlation_id'] = correlationId;
      return out;
    },
  });
}

/** Routes NestJS's own log lines into the service's pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
