import { Injectable } from '@nestjs/common';
import type { ReleasedEvent } from '@kyoyu/contracts';
import { routeEvent } from '@kyoyu/fanout-core';
import { RegistryGuard } from './registry-guard';
import type { ReleaseToStore } from './release-store';
import { BundleRenderer, type PreparedRecord } from './render/bundle-renderer';
import { Subscribers } from './subscribers';

/** A consumed record's outcome; one ready to store carries its bundle and its routes to today's subscribers. */
export type PreparedRelease =
  Exclude<PreparedRecord, { kind: 'ready' }> | { kind: 'ready'; item: ReleaseToStore };

/** A release made ready to store: its bundle, the bundle's hash and the routes to today's subscribers. */
@Injectable()
export class ReleasePreparer {
  constructor(
    private readonly renderer: BundleRenderer,
    private readonly subscribers: Subscribers,
    private readonly guard: RegistryGuard,
  ) {}

  /**
   * Consumed records of events.released.v1, each decoded, checked by the egress guard against today's registry
   * and, when it may go now, rendered and routed; in input order.
   */
  async prepareRecords(values: ReadonlyArray<Buffer | null>): Promise<PreparedRelease[]> {
    const prepared = await this.renderer.prepareRecords(values, this.guard.registry());
    const active = this.subscribers.active();
    return prepared.map((p) =>
      p.kind === 'ready'
        ? {
            kind: 'ready',
            item: {
              release: p.release,
              bundle: p.bundle,
              contentHash: p.contentHash,
              routes: routeEvent(p.release.event, active),
            },
          }
        : p,
    );
  }

  /** Each release made ready, or the error that stopped it (that release alone), in input order. */
  async prepareAll(releases: readonly ReleasedEvent[]): Promise<Array<ReleaseToStore | Error>> {
    const rendered = await this.renderer.render(releases.map((r) => r.event));
    const active = this.subscribers.active();
    return releases.map((release, i) => {
      const r = rendered[i];
      if (!r || 'error' in r) return new UnrenderableEvent(r?.error);
      return { release, ...r, routes: routeEvent(release.event, active) };
    });
  }

  /** One release made ready; rejects with why it could not be. */
  async prepare(release: ReleasedEvent): Promise<ReleaseToStore> {
    const [item] = await this.prepareAll([release]);
    if (item instanceof Error) throw item;
    return item as ReleaseToStore;
  }
}

/** An event the STIX renderer refused (an unparseable timestamp, say); the message holds no event content. */
export class UnrenderableEvent extends Error {
  static readonly CODE = 'FANOUT.UNRENDERABLE_EVENT';
  readonly code = UnrenderableEvent.CODE;
  constructor(reason = 'unrenderable event') {
    super(`${UnrenderableEvent.CODE}: ${reason}`);
    this.name = 'UnrenderableEvent';
  }
}
