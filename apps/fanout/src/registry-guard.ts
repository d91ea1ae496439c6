import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ROOT_CONTEXT, metrics, propagation, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { Customer, SanitizedEvent } from '@kyoyu/contracts';
import { egressGuardValue, registryDictionary, type GuardResult } from '@kyoyu/deid-engine';
import { CustomerDirectory } from '@kyoyu/persistence';
import { LOGGER } from '@kyoyu/service-kit';
import { ReleaseStore, type GuardHeldRelease, type TracedRelease } from './release-store';
import type { RegistrySnapshot } from './render/released-records';

/** How often the open holds are counted for the gauge (an index-only count). */
const COUNT_EVERY_MS = 5000;

const tracer = trace.getTracer('kyoyu.fanout');

/**
 * Fan-out's own egress guard, the second line after de-identification's: every released event is scanned,
 * decoded views included, before any subscriber can get it. Fan-out does not know which customer an event
 * came from (events carry no source), so it checks against every registered customer's identifying names,
 * domains, SIDs, tenants and public ranges at once, those who have left included. The registry is re-read
 * when it changes. Consumed releases are checked on a render thread against `registry()` (BundleRenderer);
 * `check` serves those checked again on the event loop, when their embargo ends.
 */
@Injectable()
export class RegistryGuard implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;
  private openHolds = 0;
  private readonly generations = new WeakMap<readonly Customer[], number>();
  private lastGeneration = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ReleaseStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.customers = new CustomerDirectory(dataSource, 2000, true);
    // Holds wait for the operator: a gauge that stays above zero is work left undone, not just a rate.
    metrics
      .getMeter('kyoyu.fanout')
      .createObservableGauge('kyoyu_fanout_guard_holds_open', {
        description: 'Released events stopped by fan-out egress guard, not yet released or withdrawn',
      })
      .addCallback((r) => r.observe(this.openHolds));
  }

  async onModuleInit(): Promise<void> {
    await this.customers.start();
    await this.countOpenHolds();
    this.timer = setInterval(() => void this.countOpenHolds(), COUNT_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.customers.stop();
    if (this.timer) clearInterval(this.timer);
  }

  check(event: SanitizedEvent): GuardResult {
    return egressGuardValue(event, registryDictionary(this.customers.all()));
  }

  /**
   * The registry as it is now, for a check made on a render thread: its customers and a generation that
   * changes when they do (the directory hands out a new list on each change), so a thread compiles each
   * registry once.
   */
  registry(): Required<RegistrySnapshot> {
    const customers = this.customers.all();
    let generation = this.generations.get(customers);
    if (generation === undefined) this.generations.set(customers, (generation = ++this.lastGeneration));
    return { generation, customers };
  }

  /**
   * Keeps releases the guard stopped, undelivered, and says so in the log: event ids, kinds and views only
   * (what matched is a registered customer's identifier and stays in the database). `when` names the moment.
   */
  async hold(held: readonly GuardHeldRelease[], when: string, em?: EntityManager): Promise<void> {
    if (held.length === 0) return;
    await this.store.holdForGuard(held, em);
    this.logger.warn(
      {
        code: 'FANOUT.EGRESS_GUARD',
        events: held.map((h) => h.release.event.eventId),
        hits: held.flatMap((h) => h.hits.map((x) => `${x.kind}/${x.view}`)),
      },
      `egress guard held released events ${when}`,
    );
  }

  /**
   * Releases whose embargo has ended, checked again against the registry of now (it may have grown while they
   * waited): those it stops are held in `em`'s transaction and returned apart from the clear ones. A hold the
   * operator already released is not stopped a second time.
   */
  async recheck(
    due: readonly TracedRelease[],
    em: EntityManager,
  ): Promise<{ clear: TracedRelease[]; held: GuardHeldRelease[] }> {
    const overridden = new Set(
      (
        (await em.query(
          `SELECT event_id FROM guard_held_releases WHERE event_id = ANY($1) AND resolution = 'released'`,
          [due.map((d) => d.release.event.eventId)],
        )) as Array<{ event_id: string }>
      ).map((r) => r.event_id),
    );
    const clear: TracedRelease[] = [];
    const held: GuardHeldRelease[] = [];
    for (const d of due) {
      const result = overridden.has(d.release.event.eventId) ? undefined : this.check(d.release.event);
      if (!result || result.ok) clear.push(d);
      else held.push({ ...d, hits: result.hits });
    }
    await this.hold(held, 'whose embargo ended', em);
    return { clear, held };
  }

  /**
   * Holds found outside a consumed record (when an embargo ends), as stage spans in their alerts' traces, so
   * the stage metrics count them with the holds found on arrival (kyoyu_egress_guard_hits{stage="fanout"},
   * kyoyu_stage_outcomes). Called once the transaction that stored them has committed.
   */
  countHeld(held: readonly GuardHeldRelease[]): void {
    for (const h of held) {
      const parent = h.traceContext ? propagation.extract(ROOT_CONTEXT, h.traceContext) : ROOT_CONTEXT;
      tracer
        .startSpan(
          'fanout embargo-end guard',
          {
            attributes: { 'kyoyu.stage': 'fanout', 'kyoyu.outcome': 'held', 'kyoyu.reasons': 'EGRESS_GUARD' },
          },
          parent,
        )
        .end();
    }
  }

  private async countOpenHolds(): Promise<void> {
    try {
      const [row] = (await this.dataSource.query(
        `SELECT count(*)::int AS n FROM guard_held_releases WHERE resolved_at IS NULL`,
      )) as Array<{ n: number }>;
      this.openHolds = row?.n ?? 0;
    } catch {
      // The last count stands until the database answers again; the stage's health check reports it.
    }
  }
}
