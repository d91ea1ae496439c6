import { Controller, Get, HttpException, Inject, Query, Req } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { KafkaDispatcher, type SubscriberBacklog } from './kafka-dispatcher';

/** The operator's view of fan-out: each subscriber's backlog, and who received an event. */
@Controller('fanout')
export class OperatorController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    private readonly dispatcher: KafkaDispatcher,
    private readonly dataSource: DataSource,
  ) {}

  @Get('backlog')
  async backlog(@Req() req: IncomingMessage): Promise<{ subscribers: SubscriberBacklog[] }> {
    this.authorize(req);
    return { subscribers: await this.dispatcher.currentBacklog() };
  }

  /** "Who received what": every delivery of one event, per subscriber, channel and version. */
  @Get('deliveries')
  async deliveries(@Req() req: IncomingMessage, @Query('eventId') eventId?: string) {
    this.authorize(req);
    if (!eventId || eventId.length > 200) {
      throw new HttpException({ code: 'FANOUT.EVENT_ID_REQUIRED', message: 'eventId is required' }, 400);
    }
    const [event] = (await this.dataSource.query(
      `SELECT event_id, content_hash, recipients, released_at, revoked, revoked_at, revoke_reason
       FROM released_events WHERE event_id = $1`,
      [eventId],
    )) as Array<Record<string, unknown>>;
    if (!event)
      throw new HttpException({ code: 'FANOUT.UNKNOWN_EVENT', message: 'no such released event' }, 404);
    const deliveries = (await this.dataSource.query(
      `SELECT subscriber_id AS "subscriberId", channel, version, content_hash AS "contentHash",
         queued_at AS "queuedAt", delivered_at AS "deliveredAt", attempts, last_error AS "lastError"
       FROM deliveries WHERE event_id = $1 ORDER BY seq`,
      [eventId],
    )) as unknown[];
    return { event, deliveries };
  }

  private authorize(req: IncomingMessage): void {
    const expected = this.config.FANOUT_ADMIN_TOKEN;
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const ok =
      expected !== undefined &&
      given.length === expected.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (!ok)
      throw new HttpException({ code: 'FANOUT.UNAUTHORIZED', message: 'operator token required' }, 401);
  }
}
