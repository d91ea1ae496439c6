import { join } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import type { SanitizedEvent } from '@kyoyu/contracts';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { Producer } from '@kyoyu/stix';
import type { FanoutConfig } from '../config';
import {
  renderBatch,
  unpackBatch,
  type RenderTask,
  type RenderedBatch,
  type RenderedBundle,
} from './rendered-bundles';

/**
 * Renders released events into STIX bundles on RENDER_THREADS worker threads (0: on the event loop). Rendering,
 * serializing and hashing a bundle is the largest piece of fan-out's work per event; on the event loop it held
 * up the dispatcher's sends and the consumer alike.
 */
@Injectable()
export class BundleRenderer implements OnModuleDestroy {
  private readonly producer: Producer;
  private readonly pool: Piscina<RenderTask, RenderedBatch> | undefined;
  private readonly threads: number;

  constructor(@Inject(SERVICE_CONFIG) config: FanoutConfig) {
    this.producer = { name: config.PRODUCER_NAME };
    this.threads = config.RENDER_THREADS;
    this.pool =
      this.threads > 0
        ? new Piscina<RenderTask, RenderedBatch>({
            filename: join(__dirname, 'render.worker.js'),
            minThreads: this.threads,
            maxThreads: this.threads,
            idleTimeout: Number.POSITIVE_INFINITY,
          })
        : undefined;
  }

  /** Each event's bundle and hash, or why it could not be rendered, in input order. */
  async render(events: readonly SanitizedEvent[]): Promise<RenderedBundle[]> {
    if (events.length === 0) return [];
    const pool = this.pool;
    if (!pool) return unpackBatch(renderBatch({ events, producer: this.producer }));
    // One task per thread, so a batch uses them all.
    const size = Math.ceil(events.length / this.threads);
    const tasks: Array<Promise<RenderedBatch>> = [];
    for (let i = 0; i < events.length; i += size)
      tasks.push(pool.run({ events: events.slice(i, i + size), producer: this.producer }));
    return (await Promise.all(tasks)).flatMap(unpackBatch);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
