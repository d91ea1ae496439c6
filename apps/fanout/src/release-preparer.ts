import { Injectable } from '@nestjs/common';
import type { ReleasedEvent } from '@kyoyu/contracts';
import { routeEvent } from '@kyoyu/fanout-core';
import type { ReleaseToStore } from './release-store';
import { BundleRenderer } from './render/bundle-renderer';
import { Subscribers } from './subscribers';

/** A release made ready to store: its bundle, the bundle's hash and the routes to today's subscribers. */
@Injectable()
export class ReleasePreparer {
  constructor(
    private readonly renderer: BundleRenderer,
    private readonly subscribers: Subscribers,
  ) {}

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

/** When the agreement's embargo still holds the release back; undefined when it may go now. */
export function embargoedUntil(release: ReleasedEvent, now = Date.now()): Date | undefined {
  const until = release.event.distribution.embargoUntil;
  if (!until) return undefined;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now ? new Date(t) : undefined;
}
