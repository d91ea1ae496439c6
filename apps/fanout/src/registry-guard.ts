import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SanitizedEvent } from '@kyoyu/contracts';
import { egressGuardValue, registryDictionary, type GuardResult } from '@kyoyu/deid-engine';
import { CustomerDirectory } from '@kyoyu/persistence';

/**
 * Fan-out's own egress guard, the second line after de-identification's: every released event is scanned,
 * decoded views included, before any subscriber can get it. Fan-out does not know which customer an event
 * came from (events carry no source), so it checks against every registered customer's identifying names,
 * domains, SIDs, tenants and public ranges at once. The registry is re-read when it changes.
 */
@Injectable()
export class RegistryGuard implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;

  constructor(dataSource: DataSource) {
    this.customers = new CustomerDirectory(dataSource);
  }

  async onModuleInit(): Promise<void> {
    await this.customers.start();
  }

  onModuleDestroy(): void {
    this.customers.stop();
  }

  check(event: SanitizedEvent): GuardResult {
    return egressGuardValue(event, registryDictionary(this.customers.all()));
  }
}
