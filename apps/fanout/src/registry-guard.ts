import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import type { SanitizedEvent } from '@kyoyu/contracts';
import { egressGuardValue, registryDictionary, type GuardResult } from '@kyoyu/deid-engine';
import { CustomerDirectory } from '@kyoyu/persistence';

/** How often the open holds are counted for the gauge (an index-only count). */
const COUNT_EVERY_MS = 5000;

/**
 * Fan-out's own egress guard, the second line after de-identification's: every released event is scanned,
 * decoded views included, before any subscriber can get it. Fan-out does not know which customer an event
 * came from (events carry no source), so it checks against every registered customer's identifying names,
 * domains, SIDs, tenants and public ranges at once, those who have left included. The registry is re-read
 * when it changes.
 */
@Injectable()
export class RegistryGuard implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;
  private openHolds = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {
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
