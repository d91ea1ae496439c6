import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Customer } from '@kyoyu/contracts';
import { CustomerDirectory } from '@kyoyu/persistence';

/** The customer registry as review needs it (agreements for four-eyes, dictionaries for re-checks). */
@Injectable()
export class CustomerRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly directory: CustomerDirectory;

  constructor(dataSource: DataSource) {
    this.directory = new CustomerDirectory(dataSource, 1000);
  }

  async onModuleInit(): Promise<void> {
    await this.directory.start();
  }

  onModuleDestroy(): void {
    this.directory.stop();
  }

  /** Looks again when the customer is unknown: it may have been registered a moment ago. */
  async get(id: string): Promise<Customer | undefined> {
    const found = this.directory.get(id);
    if (found) return found;
    await this.directory.refresh();
    return this.directory.get(id);
  }

  async refreshed(): Promise<void> {
    await this.directory.refresh();
  }

  cached(id: string): Customer | undefined {
    return this.directory.get(id);
  }
}
