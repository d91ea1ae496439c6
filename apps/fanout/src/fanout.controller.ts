import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { context, trace } from '@opentelemetry/api';
import { ContractViolation, Topics, decodeEvent, sha256Hex } from '@kyoyu/contracts';
import {
  NO_DEFERRAL,
  injectTraceContext,
  type BatchContext,
  type InboundRecord,
  type OutboundMessage,
  type RecordOutcome,
} from '@kyoyu/messaging';
import { BatchEventPattern, LOGGER } from '@kyoyu/service-kit';
import { renderRevokedBundle, type StixBundle } from '@kyoyu/stix';
import type { Logger } from 'pino';
import { DeliveryChannels } from './delivery-channels';
import { ReleasePreparer, UnrenderableEvent, type PreparedRelease } from './release-preparer';
import { RegistryGuard } from './registry-guard';
import {
  ReleaseStore,
  type EmbargoedRelease,
  type GuardHeldRelease,
  type ReleaseToStore,
} from './release-store';

/**
 * events.released.v1 → published at once to the Kafka subscribers that can take it, then stored: the release,
 * its bundle and one delivery row per entitled subscriber and channel (one transaction per batch), those
 * just published recorded delivered; then a kick to the per-subscriber Kafka dispatcher and the TAXII appender
 * for the rest. The store finishes after the handler returns (BatchContext.defer), so the next records are
 * fetched and published meanwhile; their offsets are committed after it. A subscriber that is failing or has a
 * backlog is left to the dispatcher, so its broken topic, or TAXII, cannot hold up the stream.
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
  async fanOut(
    @Payload() records: InboundRecord[],
    // Nest hands a handler only its payload unless the context is asked for.
    @Ctx() batch: BatchContext = NO_DEFERRAL,
  ): Promise<RecordOutcome[]> {
    // Decoding, the egress guard and rendering run on a render thread (ReleasePreparer); what is left here is
    // what needs the records' spans and the database.
    const prepared = await this.preparer.prepareRecords(records.map((r) => r.value));
    const outcomes: RecordOutcome[] = [];
    // Releases to store, first occurrence of each event id.
    const toStore = new Map<string, ReleaseToStore>();
    const embargoed = new Map<string, EmbargoedRelease>();
    const held = new Map<string, GuardHeldRelease>();
    records.forEach((record, at) => {
      const p = prepared[at] as PreparedRelease;
      if (p.kind === 'invalid' || p.kind === 'unrenderable') {
        outcomes.push(
          p.kind === 'invalid'
            ? new ContractViolation(Topics.EventsReleased, p.issues)
            : new UnrenderableEvent(p.error),
        );
        return;
      }
      outcomes.push([]);
      const span = record.span;
      const traced = span
        ? { traceContext: injectTraceContext({}, trace.setSpan(context.active(), span)) }
        : {};
      if (p.kind === 'held') {
        held.set(p.release.event.eventId, { release: p.release, hits: p.hits, ...traced });
        // The stage metrics count it as an egress-guard hit of fan-out (kyoyu_egress_guard_hits{stage}).
        span?.setAttributes({ 'kyoyu.outcome': 'held', 'kyoyu.reasons': 'EGRESS_GUARD' });
      } else if (p.kind === 'embargoed') {
        embargoed.set(p.release.event.eventId, { release: p.release, until: new Date(p.until), ...traced });
        span?.setAttribute('kyoyu.outcome', 'embargoed');
      } else {
        const { routes, release } = p.item;
        if (!toStore.has(release.event.eventId)) toStore.set(release.event.eventId, { ...p.item, ...traced });
        span?.setAttributes({
          'kyoyu.outcome': routes.length ? 'queued' : 'no-subscriber',
          'kyoyu.deliveries': routes.length,
        });
      }
    });
    const t0 = Date.now();
    const releases = await this.channels.deliverFresh([...toStore.values()]);
    const t1 = Date.now();
    const storing = this.storeBatch(releases, [...held.values()], [...embargoed.values()]).then(() =>
      this.logger.debug(
        {
          records: records.length,
          waitedMs: t0 - Number(records[0]?.timestamp ?? t0),
          deliverMs: t1 - t0,
          storeMs: Date.now() - t1,
        },
        'released batch delivered and stored',
      ),
    );
    if (!batch.defer(storing)) await storing;
    return outcomes;
  }

  private async storeBatch(
    releases: ReleaseToStore[],
    held: GuardHeldRelease[],
    embargoed: EmbargoedRelease[],
  ): Promise<void> {
    await this.guard.hold(held, 'before delivery');
    await this.store.embargo(embargoed);
    this.channels.queued(await this.store.storeReleases(releases));
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
