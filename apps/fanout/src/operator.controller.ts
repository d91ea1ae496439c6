import { Controller, Get, HttpCode, HttpException, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { DeliveryChannels, type QueuedDeliveries } from './delivery-channels';
import { KafkaDispatcher, type SubscriberBacklog } from './kafka-dispatcher';
import { ReleasePreparer } from './release-preparer';
import { embargoedUntil } from './render/released-records';
import { ReleaseStore } from './release-store';

/**
 * The operator's view of fan-out: each subscriber's backlog, who received an event, what the guard held, what
 * waits for its embargo.
 */
@Controller('fanout')
export class OperatorController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    private readonly dispatcher: KafkaDispatcher,
    private readonly dataSource: DataSource,
    private readonly store: ReleaseStore,
    private readonly preparer: ReleasePreparer,
    private readonly channels: DeliveryChannels,
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

  /** Released events fan-out's egress guard stopped before delivery: ids and what kind was seen where. */
  @Get('held')
  async held(@Req() req: IncomingMessage) {
    this.authorize(req);
    return { held: await this.store.openGuardHolds() };
  }

  /**
   * Releases parked under embargo: when each may go, and those that failed when it ended (they are never
   * delivered; `kyoyu events revoke` withdraws one). Ids, times and failure codes only.
   */
  @Get('embargoed')
  async embargoed(@Req() req: IncomingMessage) {
    this.authorize(req);
    const [counts, releases] = await Promise.all([this.store.embargoCounts(), this.store.openEmbargoes()]);
    return { ...counts, releases };
  }

  /**
   * The operator judged a guard hold a false alarm (a brand name in an attacker's phishing kit, say): the
   * release is routed now, with today's subscribers, or parked if its embargo still runs. Withdrawing a held
   * event is `kyoyu events revoke`, as for any other.
   */
  @Post('held/:eventId/release')
  @HttpCode(200)
  async releaseHeld(@Req() req: IncomingMessage, @Param('eventId') eventId: string) {
    this.authorize(req);
    const queued = await this.dataSource.transaction(async (em): Promise<QueuedDeliveries | undefined> => {
      const held = await this.store.releaseGuardHold(eventId, em);
      if (!held) return undefined;
      const trace = held.traceContext ? { traceContext: held.traceContext } : {};
      const until = embargoedUntil(held.release);
      if (until) {
        await this.store.embargo([{ release: held.release, until, ...trace }], em);
        return { kafkaSubscribers: [], taxiiQueued: false };
      }
      return this.store.storeReleases([{ ...(await this.preparer.prepare(held.release)), ...trace }], em);
    });
    if (!queued)
      throw new HttpException({ code: 'FANOUT.NOT_HELD', message: 'no open guard hold for this event' }, 404);
    this.channels.queued(queued);
    return { eventId, status: 'released' };
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
