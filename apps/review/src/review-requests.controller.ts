import { Controller } from '@nestjs/common';
import { Topics, decodeEvent, type ContractViolation } from '@kyoyu/contracts';
import { context, trace } from '@opentelemetry/api';
import { injectTraceContext, type InboundRecord, type RecordOutcome } from '@kyoyu/messaging';
import { BatchEventPattern } from '@kyoyu/service-kit';
import { ReviewRepository, type HoldInput } from './review.repository';

/**
 * review.requested.v1 → held items in PostgreSQL, one multi-row INSERT per consumed batch; a request
 * delivered again (at-least-once) finds its item and changes nothing. A malformed request is rejected
 * alone (its ContractViolation is its outcome); a database failure retries the batch.
 */
@Controller()
export class ReviewRequestsController {
  constructor(private readonly repo: ReviewRepository) {}

  @BatchEventPattern(Topics.ReviewRequested)
  async hold(records: InboundRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = [];
    const valid: Array<{ index: number; input: HoldInput }> = [];
    records.forEach((record, index) => {
      try {
        const event = decodeEvent(Topics.ReviewRequested, record.value);
        const traceContext = record.span
          ? injectTraceContext({}, trace.setSpan(context.active(), record.span))
          : undefined;
        valid.push({
          index,
          input: {
            request: event.data,
            correlationId: event.correlationId,
            ...(traceContext ? { traceContext } : {}),
          },
        });
        outcomes.push([]);
      } catch (e) {
        outcomes.push(e as ContractViolation);
      }
    });
    const created = await this.repo.holdBatch(valid.map((v) => v.input));
    valid.forEach((v, i) => {
      records[v.index]?.span?.setAttributes({ 'kyoyu.outcome': created[i] ? 'held' : 'duplicate' });
    });
    return outcomes;
  }
}
