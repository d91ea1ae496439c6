import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeliveryChannel, EventRevocation, ReleasedEvent } from '@kyoyu/contracts';
import type { GuardHit } from '@kyoyu/deid-engine';
import type { Route } from '@kyoyu/fanout-core';
import type { StoredRelease } from './kafka-dispatcher';

export interface ReleaseToStore {
  release: ReleasedEvent;
  /** The exact bundle bytes subscribers receive (UTF-8 JSON), and their sha256. */
  bundle: Buffer;
  contentHash: string;
  routes: Route[];
  /** `traceparent`/`tracestate` of the span that consumed the release; deliveries continue its trace. */
  traceContext?: Record<string, string>;
  /** Kafka subscribers that got it before it was stored, with the acknowledgement time (ms). */
  delivered?: ReadonlyMap<string, number>;
}

/**
 * What a stored batch changed: the subscribers with new Kafka deliveries, the releases stored, and whether
 * TAXII deliveries were queued (for the TaxiiAppender).
 */
export interface StoredBatch {
  kafkaSubscribers: string[];
  stored: StoredRelease[];
  taxiiQueued: boolean;
}

/** A release with the trace context of the span that consumed it (deliveries continue its trace). */
export interface TracedRelease {
  release: ReleasedEvent;
  traceContext?: Record<string, string>;
}

export interface EmbargoedRelease extends TracedRelease {
  until: Date;
}

/** A release fan-out's egress guard stopped: what kind of identifier it saw, in which decoded view. */
export interface GuardHeldRelease extends TracedRelease {
  hits: GuardHit[];
}

/** A release parked under embargo, as the operator sees it: no event content. */
export interface ParkedRelease {
  eventId: string;
  releaseAt: Date;
  parkedAt: Date;
  /** Set when the embargo ended and the release could not be rendered; it is then never delivered. */
  failedAt: Date | null;
  failure: string | null;
}

export interface RevocationOutcome {
  /** `unknown`: fan-out never stored the event; `already`: revoked before (idempotent replay). */
  status: 'revoked' | 'already' | 'unknown' | 'withdrawn-under-embargo' | 'withdrawn-while-held';
  kafkaSubscribers: string[];
  taxiiQueued: boolean;
}

/**
 * Fan-out's outbox: stores released events with their bundles, the pending delivery rows of each entitled
 * subscriber and channel, and revocations, each batch in one transaction. Publishing to Kafka is the
 * KafkaDispatcher's job, appending to TAXII collections the TaxiiAppender's.
 */
@Injectable()
export class ReleaseStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores a batch of releases; events seen before are left as they are (redelivery is idempotent). Kafka
   * rows a subscriber got before the store (`delivered`) are stored delivered at their acknowledgement time.
   * Returns the subscribers with pending Kafka deliveries and the releases stored, for the dispatcher.
   */
  async storeReleases(items: readonly ReleaseToStore[], em?: EntityManager): Promise<StoredBatch> {
    if (items.length === 0) return { kafkaSubscribers: [], stored: [], taxiiQueued: false };
    // One statement, so one round trip and one implicit transaction per batch: the consumer's fixed cost per
    // batch is what bounds release→stored latency when batches are small. Each bundle is a parameter of its
    // own ($2, $3, …), sent as it is: inside the JSON document it would be escaped, quote by quote, by
    // JSON.stringify here and unescaped by PostgreSQL's JSON parser there; bundles are nine tenths of the bytes.
    // They go as bytes (pg sends a Buffer in binary format, which for text is its UTF-8), not encoded again.
    // Batches stay far below PostgreSQL's 65,535 parameters: the consumer hands over at most STORE_BATCH records
    // (at most 5,000), the embargo releaser 200.
    const bundleParams = items.map((_it, i) => `$${i + 2}`).join(',');
    const inserted = (await (em ?? this.dataSource).query(
      `WITH input AS (
         SELECT x.*, b.bundle
         FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, event jsonb, route text, tlp text,
           content_hash text, released_at timestamptz, ord int, routes jsonb, trace_context jsonb)
         JOIN unnest(ARRAY[${bundleParams}]::text[]) WITH ORDINALITY AS b(bundle, n) ON b.n = x.ord + 1
       ),
       ins AS (
         INSERT INTO released_events (event_id, event, route, tlp, bundle, content_hash, version, recipients,
           released_at, stored_at, trace_context)
         SELECT event_id, event, route, tlp, bundle, content_hash, 1, jsonb_array_length(routes), released_at, now(),
           trace_context
         FROM input ORDER BY ord
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id
       ),
       fresh AS (SELECT i.* FROM input i JOIN ins ON ins.event_id = i.event_id),
       queued AS (
         INSERT INTO deliveries (event_id, subscriber_id, channel, version, content_hash, queued_at, delivered_at,
           attempts)
         SELECT f.event_id, r.route->>'subscriberId', r.route->>'channel', 1, f.content_hash, now(),
           to_timestamp((r.route->>'deliveredAt')::float8 / 1000), CASE WHEN r.route ? 'deliveredAt' THEN 1 ELSE 0 END
         FROM fresh f CROSS JOIN LATERAL jsonb_array_elements(f.routes) WITH ORDINALITY AS r(route, ro)
         ORDER BY f.ord, r.ro
         ON CONFLICT DO NOTHING
       )
       SELECT event_id FROM ins`,
      [
        JSON.stringify(
          items.map((it, ord) => ({
            event_id: it.release.event.eventId,
            event: it.release.event,
            route: it.release.route,
            tlp: it.release.event.distribution.tlp,
            content_hash: it.contentHash,
            released_at: it.release.releasedAt,
            ord,
            routes: it.delivered ? it.routes.map((r) => withDeliveredAt(r, it.delivered)) : it.routes,
            trace_context: it.traceContext ?? null,
          })),
        ),
        ...items.map((it) => it.bundle),
      ],
    )) as Array<{ event_id: string }>;
    const fresh = new Set(inserted.map((r) => r.event_id));
    const stored = items.filter((it) => fresh.has(it.release.event.eventId));
    const pendingKafka = (it: ReleaseToStore) =>
      channelSubscribers(it.routes, 'kafka').filter((id) => !it.delivered?.has(id));
    return {
      kafkaSubscribers: [...new Set(stored.flatMap(pendingKafka))],
      taxiiQueued: stored.some((it) => channelSubscribers(it.routes, 'taxii').length > 0),
      stored: stored.map((it) => ({
        eventId: it.release.event.eventId,
        bundle: it.bundle,
        releasedAt: it.release.releasedAt,
        ...(it.traceContext ? { traceContext: it.traceContext } : {}),
        kafkaDeliveries: pendingKafka(it).length,
      })),
    };
  }

  /** Parks releases under embargo, unrouted; a release parked before stays as it is. */
  async embargo(releases: ReadonlyArray<EmbargoedRelease>, em?: EntityManager): Promise<void> {
    if (releases.length === 0) return;
    await (em ?? this.dataSource).query(
      `INSERT INTO embargoed_releases (event_id, release, release_at, stored_at, trace_context)
       SELECT x.event_id, x.release, x.release_at, now(), x.trace_context
       FROM jsonb_to_recordset($1::jsonb)
         AS x(event_id text, release jsonb, release_at timestamptz, trace_context jsonb)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        JSON.stringify(
          releases.map((r) => ({
            event_id: r.release.event.eventId,
            release: r.release,
            release_at: r.until.toISOString(),
            trace_context: r.traceContext ?? null,
          })),
        ),
      ],
    );
  }

  /**
   * Releases parked under embargo and not withdrawn, soonest first: waiting ones, and those that could not be
   * rendered when their embargo ended (`failedAt`, `failure`). Ids and times only, never the release itself.
   */
  async openEmbargoes(limit = 500): Promise<ParkedRelease[]> {
    return (await this.dataSource.query(
      `SELECT event_id AS "eventId", release_at AS "releaseAt", stored_at AS "parkedAt", failed_at AS "failedAt",
         failure
       FROM embargoed_releases WHERE withdrawn_at IS NULL ORDER BY release_at, event_id LIMIT $1`,
      [limit],
    )) as ParkedRelease[];
  }

  /** How many parked releases still wait for their embargo to end, and how many failed when it did. */
  async embargoCounts(): Promise<{ waiting: number; failed: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE failed_at IS NULL)::int AS waiting,
         count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed
       FROM embargoed_releases WHERE withdrawn_at IS NULL`,
    )) as Array<{ waiting: number; failed: number }>;
    return { waiting: row?.waiting ?? 0, failed: row?.failed ?? 0 };
  }

  /**
   * Keeps releases the egress guard stopped, undelivered; one held before stays as it is, and so does one
   * routed before (a redelivery after the registry grew: it has gone out already).
   */
  async holdForGuard(held: ReadonlyArray<GuardHeldRelease>, em?: EntityManager): Promise<void> {
    if (held.length === 0) return;
    await (em ?? this.dataSource).query(
      `INSERT INTO guard_held_releases (event_id, release, hits, held_at, trace_context)
       SELECT x.event_id, x.release, x.hits, now(), x.trace_context
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, release jsonb, hits jsonb, trace_context jsonb)
       WHERE NOT EXISTS (SELECT 1 FROM released_events r WHERE r.event_id = x.event_id)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        JSON.stringify(
          held.map((h) => ({
            event_id: h.release.event.eventId,
            release: h.release,
            hits: h.hits,
            trace_context: h.traceContext ?? null,
          })),
        ),
      ],
    );
  }

  /** Held releases not yet released or withdrawn, oldest first: event ids and what the guard saw, no content. */
  async openGuardHolds(limit = 500): Promise<Array<{ eventId: string; heldAt: Date; hits: GuardHit[] }>> {
    return (await this.dataSource.query(
      `SELECT event_id AS "eventId", held_at AS "heldAt", hits FROM guard_held_releases
       WHERE resolved_at IS NULL ORDER BY held_at LIMIT $1`,
      [limit],
    )) as Array<{ eventId: string; heldAt: Date; hits: GuardHit[] }>;
  }

  /**
   * The operator judged a hold a false alarm: marks it released and returns the release to route; undefined
   * when it is not held (or was resolved already).
   */
  async releaseGuardHold(eventId: string, em: EntityManager): Promise<TracedRelease | undefined> {
    // In a CTE: TypeORM returns a bare UPDATE's RETURNING rows wrapped with the row count.
    const [row] = (await em.query(
      `WITH r AS (
         UPDATE guard_held_releases SET resolved_at = now(), resolution = 'released'
         WHERE event_id = $1 AND resolved_at IS NULL
         RETURNING release, trace_context
       )
       SELECT release, trace_context FROM r`,
      [eventId],
    )) as Array<{ release: ReleasedEvent; trace_context: Record<string, string> | null }>;
    if (!row) return undefined;
    return { release: row.release, ...(row.trace_context ? { traceContext: row.trace_context } : {}) };
  }

  /**
   * Withdraws an event: stores its revoked bundle and queues it for every subscriber and channel that got
   * (or is about to get) the release. `render` turns the stored bundle into the revoked one.
   */
  async storeRevocation(
    revocation: EventRevocation,
    render: (bundle: string) => { bundle: string; contentHash: string },
  ): Promise<RevocationOutcome> {
    return this.dataSource.transaction(async (em) => {
      const [row] = (await em.query(
        `SELECT bundle, revoked FROM released_events WHERE event_id = $1 FOR UPDATE`,
        [revocation.eventId],
      )) as Array<{ bundle: string; revoked: boolean }>;
      if (!row) {
        // Withdrawn while still under embargo: nobody got it, so there is nothing to revoke, only to stop.
        const parked = (await em.query(
          `WITH w AS (
             UPDATE embargoed_releases SET withdrawn_at = coalesce(withdrawn_at, $2) WHERE event_id = $1
             RETURNING event_id
           )
           SELECT event_id FROM w`,
          [revocation.eventId, revocation.revokedAt],
        )) as unknown[];
        if (parked.length > 0)
          return { status: 'withdrawn-under-embargo', kafkaSubscribers: [], taxiiQueued: false };
        // Stopped by the egress guard: nobody got it either (a replayed withdrawal finds it withdrawn already).
        const held = (await em.query(
          `WITH w AS (
             UPDATE guard_held_releases SET resolved_at = coalesce(resolved_at, now()), resolution = 'withdrawn'
             WHERE event_id = $1 AND coalesce(resolution, 'withdrawn') = 'withdrawn'
             RETURNING event_id
           )
           SELECT event_id FROM w`,
          [revocation.eventId],
        )) as unknown[];
        return {
          status: held.length > 0 ? 'withdrawn-while-held' : 'unknown',
          kafkaSubscribers: [],
          taxiiQueued: false,
        };
      }
      if (row.revoked) return { status: 'already', kafkaSubscribers: [], taxiiQueued: false };
      const revoked = render(row.bundle);
      await em.query(
        `UPDATE released_events SET revoked = true, version = 2, revoked_at = $2, revoke_reason = $3,
           revoked_by = $4, revoked_bundle = $5, revoked_hash = $6
         WHERE event_id = $1`,
        [
          revocation.eventId,
          revocation.revokedAt,
          revocation.reason,
          revocation.revokedBy,
          revoked.bundle,
          revoked.contentHash,
        ],
      );
      const recipients = (await em.query(
        `SELECT subscriber_id, channel FROM deliveries WHERE event_id = $1 AND version = 1 ORDER BY seq`,
        [revocation.eventId],
      )) as Array<{ subscriber_id: string; channel: DeliveryChannel }>;
      await insertDeliveries(
        em,
        recipients.map((r) => ({ ...r, event_id: revocation.eventId, content_hash: revoked.contentHash })),
        2,
      );
      const routes = recipients.map((r) => ({ subscriberId: r.subscriber_id, channel: r.channel }));
      return {
        status: 'revoked',
        kafkaSubscribers: channelSubscribers(routes, 'kafka'),
        taxiiQueued: channelSubscribers(routes, 'taxii').length > 0,
      };
    });
  }
}

function withDeliveredAt(r: Route, delivered: ReadonlyMap<string, number> | undefined) {
  const at = r.channel === 'kafka' ? delivered?.get(r.subscriberId) : undefined;
  return at === undefined ? r : { ...r, deliveredAt: at };
}

function channelSubscribers(routes: readonly Route[], channel: DeliveryChannel): string[] {
  return routes.filter((r) => r.channel === channel).map((r) => r.subscriberId);
}

/** Rows start pending on every channel; `seq` keeps input order. */
async function insertDeliveries(
  em: EntityManager,
  rows: ReadonlyArray<{ event_id: string; subscriber_id: string; channel: string; content_hash: string }>,
  version: 1 | 2,
): Promise<void> {
  if (rows.length === 0) return;
  await em.query(
    `INSERT INTO deliveries (event_id, subscriber_id, channel, version, content_hash, queued_at)
     SELECT x.event_id, x.subscriber_id, x.channel, $2, x.content_hash, now()
     FROM jsonb_to_recordset($1::jsonb)
       AS x(event_id text, subscriber_id text, channel text, content_hash text, ord int)
     ORDER BY x.ord
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(rows.map((r, ord) => ({ ...r, ord }))), version],
  );
}
