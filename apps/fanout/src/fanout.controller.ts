import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { context, trace } from '@opentelemetry/api';
import { Topics, decodeEvent, sha256Hex, type ReleasedEvent } from '@kyoyu/contracts';
import {
  injectTraceContext,
  type InboundRecord,
  type OutboundMessage,
  type RecordOutcome,
} from '@kyoyu/messaging';
import { BatchEventPattern, LOGGER } from '@kyoyu/service-kit';
import { renderRevokedBundle, type StixBundle } from '@kyoyu/stix';
import type { Logger } from 'pino';
import { DeliveryChannels } from './delivery-channels';
import { ReleasePreparer, embargoedUntil } from './release-preparer';
import { RegistryGuard } from './registry-guard';
import {
  ReleaseStore,
  type EmbargoedRelease,
  type GuardHeldRelease,
  type ReleaseToStore,
} from './release-store';

/**
 * events.released.v1 → stored release, bundle and one delivery row per entitled subscriber and channel
 * (one transaction per batch), then a kick to the per-subscriber Kafka dispatcher and the TAXII appender.
 * Consuming never delivers itself, so one subscriber's broken topic, or TAXII, cannot hold up the stream.
 * A release under its agreement's embargo is parked unrouted until the embargo ends (EmbargoReleaser).
 * events.revoked.v1 → revoked versions to every subscriber and channel that got the event.
 */
@Controller()
export class FanoutController {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly preparer: ReleasePreparer,
    private readonly store: ReleaseStore,
    private readonly channels: DeliveryChannels,
    private readonly guard: RegistryGuard,
  ) {}

  @BatchEventPattern(Topics.EventsReleased)
  async fanOut(records: InboundRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = [];
    // Releases to route, first occurrence of each event id, with the positions of the records that carry it.
    const toRoute = new Map<
      string,
      { release: ReleasedEvent; traceContext?: Record<string, string>; at: number[] }
    >();
    const embargoed = new Map<string, EmbargoedRelease>();
    const held = new Map<string, GuardHeldRelease>();
    records.forEach((record, at) => {
      try {
        const release = decodeEvent(Topics.EventsReleased, record.value).data;
        const traceContext = record.span
          ? injectTraceContext({}, trace.setSpan(context.active(), record.span))
          : undefined;
        const traced = traceContext ? { traceContext } : {};
        const guard = this.guard.check(release.event);
        if (!guard.ok) {
          held.set(release.event.eventId, { release, hits: guard.hits, ...traced });
          // The stage metrics count it as an egress-guard hit of fan-out (kyoyu_egress_guard_hits{stage}).
          record.span?.setAttributes({ 'kyoyu.outcome': 'held', 'kyoyu.reasons': 'EGRESS_GUARD' });
          outcomes.push([]);
          return;
        }
        const until = embargoedUntil(release);
        if (until) {
          embargoed.set(release.event.eventId, { release, until, ...traced });
          record.span?.setAttribute('kyoyu.outcome', 'embargoed');
          outcomes.push([]);
          return;
        }
        const seen = toRoute.get(release.event.eventId);
        if (seen) seen.at.push(at);
        else toRoute.set(release.event.eventId, { release, ...traced, at: [at] });
        outcomes.push([]);
      } catch (err) {
        outcomes.push(err instanceof Error ? err : new Error('undecodable event'));
      }
    });
    const routing = [...toRoute.values()];
    const prepared = await this.preparer.prepareAll(routing.map((r) => r.release));
    const batch: ReleaseToStore[] = [];
    routing.forEach(({ at, traceContext }, i) => {
      const item = prepared[i] as ReleaseToStore | Error;
      for (const position of at) {
        if (item instanceof Error) {
          outcomes[position] = item;
          continue;
        }
        const span = records[position]?.span;
        span?.setAttributes({
          'kyoyu.outcome': item.routes.length ? 'queued' : 'no-subscriber',
          'kyoyu.deliveries': item.routes.length,
        });
      }
      if (!(item instanceof Error)) batch.push({ ...item, ...(traceContext ? { traceContext } : {}) });
    });
    const t0 = Date.now();
    await this.guard.hold([...held.values()], 'before delivery');
    await this.store.embargo([...embargoed.values()]);
    const stored = await this.store.storeReleases(batch);
    this.channels.queued(stored);
    this.logger.debug(
      {
        records: records.length,
        waitedMs: t0 - Number(records[0]?.timestamp ?? t0),
        storeMs: Date.now() - t0,
      },
      'released batch stored',
    );
    return outcomes;
  }

  @EventPattern(Topics.EventsRevoked)
  async revoke(@Payload() record: InboundRecord): Promise<OutboundMessage[]> {
    const { data } = decodeEvent(Topics.EventsRevoked, record.value);
    const outcome = await this.store.storeRevocation(data, (stored) => {
      const bundle = JSON.stringify(renderRevokedBundle(JSON.parse(stored) as StixBundle, data.revokedAt));
      return { bundle, contentHash: sha256Hex(bundle) };
    });
    trace.getActiveSpan()?.setAttributes({ 'kyoyu.outcome': `revocation-${outcome.status}` });
    if (outcome.status === 'unknown') {
      // Transient on purpose: the release may still be on its way through events.released.v1. After the
      // bounded retries the record is rejected (RETRIES_EXHAUSTED) and can be replayed.
      throw new RevocationOfUnknownEvent();
    }
    this.channels.queued(outcome);
    return [];
  }
}

/** A revocation names an event fan-out has not stored (yet). The message holds no event content. */
export class RevocationOfUnknownEvent extends Error {
  readonly code = 'FANOUT.REVOCATION_UNKNOWN_EVENT';
  constructor() {
    super('FANOUT.REVOCATION_UNKNOWN_EVENT: revocation for an event fan-out has not stored');
    this.name = 'RevocationOfUnknownEvent';
  }
}
