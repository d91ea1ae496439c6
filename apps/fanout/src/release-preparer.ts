import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex, type ReleasedEvent } from '@kyoyu/contracts';
import { routeEvent } from '@kyoyu/fanout-core';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import { renderBundle } from '@kyoyu/stix';
import type { FanoutConfig } from './config';
import type { ReleaseToStore } from './release-store';
import { Subscribers } from './subscribers';

/** A release made ready to store: its bundle, the bundle's hash and the routes to today's subscribers. */
@Injectable()
export class ReleasePreparer {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    private readonly subscribers: Subscribers,
  ) {}

  prepare(release: ReleasedEvent, active = this.subscribers.active()): ReleaseToStore {
    const bundle = JSON.stringify(renderBundle(release.event, { name: this.config.PRODUCER_NAME }));
    return { release, bundle, contentHash: sha256Hex(bundle), routes: routeEvent(release.event, active) };
  }
}

/** When the agreement's embargo still holds the release back; undefined when it may go now. */
export function embargoedUntil(release: ReleasedEvent, now = Date.now()): Date | undefined {
  const until = release.event.distribution.embargoUntil;
  if (!until) return undefined;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now ? new Date(t) : undefined;
}
