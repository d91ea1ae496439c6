import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { trace } from '@opentelemetry/api';
import { Topics, decodeEvent } from '@kyoyu/contracts';
import type { InboundRecord, OutboundMessage } from '@kyoyu/messaging';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { ReviewConfig } from './config';
import { ReviewRepository } from './review.repository';

/** review.requested.v1 → a held item in PostgreSQL (once, however often the request arrives). */
@Controller()
export class ReviewRequestsController {
  constructor(
    private readonly repo: ReviewRepository,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
  ) {}

  @EventPattern(Topics.ReviewRequested)
  async hold(@Payload() record: InboundRecord): Promise<OutboundMessage[]> {
    const event = decodeEvent(Topics.ReviewRequested, record.value);
    const created = await this.repo.hold(event.data, event.correlationId, this.config.REVIEW_DEADLINE_HOURS);
    trace.getActiveSpan()?.setAttributes({ 'kyoyu.outcome': created ? 'held' : 'duplicate' });
    return [];
  }
}
