import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { ReviewItemEntity, ReviewState } from '@kyoyu/persistence';
import { ApiTokenGuard } from './api-token.guard';
import { OutboxRelay } from './outbox.relay';
import { ReviewRepository, type DecisionResult } from './review.repository';

const STATES: readonly ReviewState[] = [
  'held',
  'awaiting-second-approval',
  'approved',
  'rejected',
  'expired',
];

/** The reviewer API. The original record is not part of these views (cleared reviewers only, issue 5). */
@Controller('review/items')
@UseGuards(ApiTokenGuard)
export class ReviewItemsController {
  constructor(
    private readonly repo: ReviewRepository,
    private readonly relay: OutboxRelay,
  ) {}

  @Get()
  async list(@Query('state') state = 'held', @Query('limit') limit = '100') {
    if (!STATES.includes(state as ReviewState)) {
      throw new BadRequestException({
        code: 'REVIEW.UNKNOWN_STATE',
        message: `state must be one of ${STATES.join(', ')}`,
      });
    }
    const items = await this.repo.list(
      state as ReviewState,
      Math.min(Math.max(Number(limit) || 100, 1), 500),
    );
    return { items: items.map(view) };
  }

  @Get(':caseId')
  async get(@Param('caseId') caseId: string) {
    const item = await this.repo.get(caseId);
    if (!item) throw new NotFoundException({ code: 'REVIEW.NOT_FOUND', message: 'no such item' });
    return view(item);
  }

  @Post(':caseId/approve')
  @HttpCode(200)
  async approve(@Param('caseId') caseId: string) {
    decided(await this.repo.approve(caseId));
    this.relay.kick();
    return { caseId, state: 'approved' };
  }

  @Post(':caseId/reject')
  @HttpCode(200)
  async reject(@Param('caseId') caseId: string) {
    decided(await this.repo.reject(caseId));
    return { caseId, state: 'rejected' };
  }
}

function decided(result: DecisionResult): void {
  if (result.ok) return;
  if (result.code === 'REVIEW.NOT_FOUND')
    throw new NotFoundException({ code: result.code, message: 'no such item' });
  throw new ConflictException({ code: result.code, message: 'the item has already been decided' });
}

function view(item: ReviewItemEntity) {
  return {
    caseId: item.caseId,
    state: item.state,
    risk: item.risk,
    reasons: item.reasons,
    tlp: item.tlp,
    deadline: item.deadline,
    createdAt: item.createdAt,
    draft: item.draft,
    transformations: item.transformations,
    version: item.version,
  };
}
