import {
  BadRequestException,
  ConflictException,
  HttpException,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { z } from 'zod';
import { ReviewError } from '@kyoyu/review-core';

/** Validates a request body; the error names paths and issue codes, never the submitted values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new BadRequestException({
      code: 'REQUEST.INVALID',
      message: 'the request body does not match the schema',
      issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`),
    });
  }
  return parsed.data;
}

export function notFound(): NotFoundException {
  // The same answer for "does not exist" and "not cleared for its customer": nothing leaks either way.
  return new NotFoundException({ code: 'REVIEW.NOT_FOUND', message: 'no such item' });
}

/** Maps the domain's refusals onto HTTP statuses with their stable codes. */
export function toHttp(e: unknown): unknown {
  if (!(e instanceof ReviewError)) return e;
  const body = { code: e.code, message: e.message, ...e.details };
  switch (e.code) {
    case 'REVIEW.NOT_FOUND':
      return notFound();
    case 'REVIEW.ALREADY_DECIDED':
    case 'REVIEW.VERSION_CONFLICT':
    case 'REVIEW.SAME_REVIEWER':
    case 'REVIEW.CUSTOMER_UNREGISTERED':
      return new ConflictException(body);
    case 'REVIEW.REDACTION_INSUFFICIENT':
      return new UnprocessableEntityException(body);
    case 'REVIEW.REDACTION_INVALID':
    case 'REVIEW.REASON_REQUIRED':
    case 'REVIEW.ASSIGNEE_INVALID':
      return new BadRequestException(body);
    default:
      return new HttpException(body, 400);
  }
}

/** Runs a domain operation, translating its refusals. */
export async function domain<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toHttp(e);
  }
}
