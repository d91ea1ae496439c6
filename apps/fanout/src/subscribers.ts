import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SubscriberDirectory, type ActiveSubscriber } from '@kyoyu/persistence';
import { LOGGER } from '@kyoyu/service-kit';

/** The subscriber directory for this process: loaded before consuming, refreshed while running. */
@Injectable()
export class Subscribers implements OnModuleInit, OnModuleDestroy {
  private readonly directory: SubscriberDirectory;
  private reported = '';

  constructor(
    dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.directory = new SubscriberDirectory(dataSource);
  }

  async onModuleInit(): Promise<void> {
    await this.directory.start();
  }

  onModuleDestroy(): void {
    this.directory.stop();
  }

  active(): readonly ActiveSubscriber[] {
    const invalid = this.directory.invalid().join(',');
    if (invalid && invalid !== this.reported) {
      // Recorded, never silently skipped: these receive nothing until their stored settings are fixed.
      this.logger.error(
        { subscribers: this.directory.invalid(), code: 'FANOUT.SUBSCRIBER_INVALID' },
        'subscribers with unparseable filters or channels',
      );
    }
    this.reported = invalid;
    return this.directory.active();
  }

  byTaxiiApiKey(key: string): ActiveSubscriber | undefined {
    return this.directory.byTaxiiApiKey(key);
  }
}
