import { join } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import type { SanitizedEvent } from '@kyoyu/contracts';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { Producer } from '@kyoyu/stix';
import type { FanoutConfig } from '../config';
import { pack, unpack } from './packed-bytes';
import type { RenderThreadTask } from './render.worker';
import { renderBatch, unpackBatch, type RenderedBatch, type RenderedBundle } from './rendered-bundles';
import {
  prepareReleasedRecords,
  type RegistrySnapshot,
  type ReleasedRecordOutcome,
  type ReleasedRecordsBatch,
} from './released-records';

/** A consumed record's outcome, with the bytes of its bundle when it is ready to route. */
export type PreparedRecord =
  | Exclude<ReleasedRecordOutcome, { kind: 'ready' }>
  | (Extract<ReleasedRecordOutcome, { kind: 'ready' }> & { bundle: Buffer });

/**
 * Renders released events into STIX bundles on RENDER_THREADS worker threads (0: on the event loop). Rendering,
 * serializing and hashing a bundle is the largest piece of fan-out's work per event; on the event loop it held
 * up the dispatcher's sends and the consumer alike. Consumed records go to the threads undecoded, and come
 * back decoded, checked by the egress guard and rendered (see prepareReleasedRecords): the event loop, which
 * also stores and publishes, was the stage's bottleneck.
 */
@Injectable()
export class BundleRenderer implements OnModuleDestroy {
  private readonly producer: Producer;
  private readonly pool: Piscina<RenderThreadTask, RenderedBatch | ReleasedRecordsBatch> | undefined;
  private readonly threads: number;

  constructor(@Inject(SERVICE_CONFIG) config: FanoutConfig) {
    this.producer = { name: config.PRODUCER_NAME };
    this.threads = config.RENDER_THREADS;
    this.pool =
      this.threads > 0
        ? new Piscina<RenderThreadTask, RenderedBatch | ReleasedRecordsBatch>({
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
      tasks.push(
        pool.run({ events: events.slice(i, i + size), producer: this.producer }) as Promise<RenderedBatch>,
      );
    return (await Promise.all(tasks)).flatMap(unpackBatch);
  }

  /**
   * Each consumed record of events.released.v1 decoded, guarded against `registry` and, when it may go now,
   * rendered; in input order. The registry's customers cross to a thread only when it lacks their generation.
   */
  async prepareRecords(
    values: ReadonlyArray<Buffer | null>,
    registry: Required<RegistrySnapshot>,
  ): Promise<PreparedRecord[]> {
    if (values.length === 0) return [];
    const pool = this.pool;
    if (!pool)
      return unpackRecords(
        prepareReleasedRecords({ ...packRecords(values), producer: this.producer, registry }),
      );
    const size = Math.ceil(values.length / this.threads);
    const tasks: Array<Promise<PreparedRecord[]>> = [];
    for (let i = 0; i < values.length; i += size) {
      const packed = packRecords(values.slice(i, i + size));
      const run = (snapshot: RegistrySnapshot) =>
        pool.run({ ...packed, producer: this.producer, registry: snapshot }) as Promise<ReleasedRecordsBatch>;
      tasks.push(
        run({ generation: registry.generation }).then(async (batch) =>
          unpackRecords(batch.stale ? await run(registry) : batch),
        ),
      );
    }
    return (await Promise.all(tasks)).flat();
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}

function packRecords(values: ReadonlyArray<Buffer | null>) {
  return { kind: 'released-records' as const, values: pack(values) };
}

/** Each ready record with a view of its bundle's bytes (no copy). */
function unpackRecords(batch: ReleasedRecordsBatch): PreparedRecord[] {
  const bundles = unpack(batch.bundles);
  return batch.outcomes.map((o, i) => (o.kind === 'ready' ? { ...o, bundle: bundles[i] as Buffer } : o));
}
