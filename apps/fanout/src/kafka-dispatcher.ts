import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  metrics,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Kafka, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource, type QueryRunner } from 'typeorm';
import { shareTopic } from '@kyoyu/contracts';
import { PartitionPlacer, acknowledgedBy, type PlacedMessage } from '@kyoyu/messaging';
import { CoalescingRunner, KAFKA, LOGGER, SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';

/** Subscribers receive the bundle and its media type only: no trace context or correlation id leaves. */
const SUBSCRIBER_HEADERS = { 'content-type': 'application/stix+json;version=2.1' };

interface PendingRow {
  seq: string;
  event_id: string;
  version: number;
  payload: Buffer | string;
  released_at: Date;
  trace_context: Record<string, string> | null;
}

/** A bundle just stored, kept for its Kafka deliveries so the dispatcher need not read it back. */
interface RecentBundle {
  payload: Buffer;
  releasedAt: Date;
  traceContext: Record<string, string> | null;
  /** Kafka deliveries of it not yet acknowledged; forgotten at 0. */
  unsent: number;
}

/** A release just consumed, with its bundle and the Kafka subscribers it is routed to (deliverFresh). */
export interface FreshRelease {
  eventId: string;
  bundle: Buffer;
  releasedAt: string;
  traceContext?: Record<string, string>;
  subscriberIds: readonly string[];
}

/** What the store hands over with a kick: the releases it has just committed. */
export interface StoredRelease {
  eventId: string;
  bundle: Buffer;
  releasedAt: string;
  traceContext?: Record<string, string>;
  kafkaDeliveries: number;
}

const tracer = trace.getTracer('kyoyu.fanout');

export interface SubscriberBacklog {
  subscriberId: string;
  pending: number;
  oldestQueuedAt: string | null;
  oldestAgeSeconds: number;
  /** Consecutive failed attempts; 0 when the last one succeeded. */
  failures: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

interface SubscriberState {
  /** Its own producer, for attempts while it fails (healthy subscribers share theirs). */
  producer?: Producer;
  /** Rows of this subscriber are being published (it is left out of dispatch cycles meanwhile). */
  inFlight: boolean;
  /** Its last fresh send (deliverFresh) while one is in flight: the next queues behind it, cycles wait. */
  freshTail?: Promise<void>;
  failures: number;
  lastError: string | null;
  retryAt: number;
}

/**
 * Publishes each subscriber's pending Kafka deliveries to `share.<id>.v1` in queue order and marks them
 * delivered. Every subscriber has its own in-flight request and back-off, and while it fails its own producer:
 * a topic that fails (deleted, no permission, quota) only delays that subscriber. Sharing its producer with the
 * others it would not, since a metadata error for any topic a kafkajs producer has sent to fails every later
 * metadata refresh of that producer.
 *
 * A release just consumed goes out before it is stored to every subscriber with nothing older waiting
 * (deliverFresh, the low-latency path); the rows left pending go out in dispatch cycles, run on a kick after
 * each stored batch and on a timer (after restarts, when a back-off expires, when another instance stored the
 * rows). A session advisory lock per subscriber keeps two instances from publishing one subscriber's rows, so
 * its order holds across replicas.
 */
@Injectable()
export class KafkaDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly states = new Map<string, SubscriberState>();
  private backlog: SubscriberBacklog[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lockRunner: QueryRunner | undefined;
  private readonly owned = new Set<string>();
  private lockChain: Promise<unknown> = Promise.resolve();
  /** Subscribers with new or remaining rows, waiting for the next dispatch cycle. */
  private readonly dirty = new Set<string>();
  /**
   * Fresh copies the broker acknowledged (deliverFresh), until their release is stored: subscriber →
   * acknowledgement time, by event id, oldest first (bounded by DISPATCH_CACHE_EVENTS). A batch retried after
   * its store failed records these instead of sending them again.
   */
  private readonly freshAcked = new Map<string, Map<string, number>>();
  /** Bundles of recent releases by event id, oldest first (bounded by DISPATCH_CACHE_EVENTS). */
  private readonly recent = new Map<string, RecentBundle>();
  /** Dispatch cycles, one at a time; kicks that arrive meanwhile are taken by the next one. */
  private readonly cycles = new CoalescingRunner(
    () => this.runCycle(),
    (err) => this.logger.warn({ code: errorCode(err) }, 'fan-out dispatch cycle failed'),
  );
  private readonly sending = new Set<Promise<void>>();
  /**
   * Producers healthy subscribers share (see publishShared). An idempotent producer has one request in flight
   * per broker, so with one a cycle's requests queued behind each other; each request takes the least busy.
   */
  private readonly shared: SharedProducer[];
  /** Places rows on subscriber topics' partitions, so acknowledgements are checked per partition. */
  private readonly placer: PartitionPlacer;
  private acks: Array<{ seqs: string[]; at: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  /**
   * Rows the broker acknowledged whose delivered_at is still being written: dispatch cycles leave them out, so
   * a subscriber's next request need not wait for that UPDATE (it would otherwise sit between every two sends).
   */
  private readonly recording = new Set<string>();
  private stopped = false;
  private readonly meter = metrics.getMeter('kyoyu.fanout');
  private readonly delivered = this.meter.createCounter('kyoyu.fanout.deliveries', {
    description: 'Bundles published to subscriber topics',
  });
  private readonly failed = this.meter.createCounter('kyoyu.fanout.delivery_failures', {
    description: 'Failed publish attempts to a subscriber topic',
  });
  private readonly latency = this.meter.createHistogram('kyoyu.fanout.release_to_delivery', {
    description: 'From release (releasedAt) to the broker acknowledging the subscriber copy',
    unit: 'ms',
  });

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
  ) {
    this.placer = new PartitionPlacer(kafka);
    this.shared = Array.from({ length: config.DISPATCH_SHARED_PRODUCERS }, () => ({ busy: 0 }));
    const pending = this.meter.createObservableGauge('kyoyu.fanout.backlog.pending', {
      description: 'Kafka deliveries queued for a subscriber and not yet acknowledged',
    });
    const age = this.meter.createObservableGauge('kyoyu.fanout.backlog.oldest_age', {
      description: 'Age of the oldest queued Kafka delivery of a subscriber',
      unit: 's',
    });
    // Subscriber ids are the operator's own names for organisations it shares with, never victim data.
    pending.addCallback((r) =>
      this.backlog.forEach((b) => r.observe(b.pending, { subscriber: b.subscriberId })),
    );
    age.addCallback((r) =>
      this.backlog.forEach((b) => r.observe(b.oldestAgeSeconds, { subscriber: b.subscriberId })),
    );
    // Each producer holds a connection to every broker it sends to (with TLS and SASL in production).
    this.meter
      .createObservableGauge('kyoyu.fanout.producers', {
        description: "Kafka producers open for subscriber topics: shared, or a failing subscriber's own",
      })
      .addCallback((r) => {
        r.observe(this.shared.filter((slot) => slot.producer).length, { kind: 'shared' });
        r.observe([...this.states.values()].filter((s) => s.producer).length, { kind: 'own' });
      });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.poll(), this.config.DISPATCH_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.cycles.stop();
    await Promise.allSettled([...this.sending]);
    // The last UPDATEs recording deliveries (flushAcks takes every acknowledgement queued meanwhile).
    await this.flushing;
    await Promise.allSettled([
      ...this.shared.map((s) => s.producer?.then((p) => p.disconnect())),
      ...[...this.states.values()].map((s) => s.producer?.disconnect()),
      this.placer.disconnect(),
    ]);
    if (this.lockRunner) {
      await this.lockRunner.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
      await this.lockRunner.release().catch(() => undefined);
    }
  }

  /**
   * New deliveries were committed for these subscribers: publish them now unless they are backing off.
   * `stored` are the releases just committed: their bundles are kept in memory for the dispatch, so the
   * bundle bytes make one trip to PostgreSQL instead of two (a release evicted or revoked is read back).
   */
  kick(subscriberIds: Iterable<string>, stored: readonly StoredRelease[] = []): void {
    for (const r of stored) {
      // Recorded now: a replay of the release finds it stored.
      this.freshAcked.delete(r.eventId);
      if (r.kafkaDeliveries === 0 || this.recent.has(r.eventId)) continue;
      this.recent.set(r.eventId, {
        payload: r.bundle,
        releasedAt: new Date(r.releasedAt),
        traceContext: r.traceContext ?? null,
        unsent: r.kafkaDeliveries,
      });
    }
    trimOldest(this.recent, this.config.DISPATCH_CACHE_EVENTS);
    this.drain(subscriberIds);
  }

  /**
   * Publishes releases just consumed, before they are stored, to each Kafka subscriber that can take them at
   * once: healthy, dispatched by this instance, with no older row waiting and no cycle publishing its rows.
   * Storing first put a PostgreSQL round trip and the dispatch query between every release and its delivery.
   * Returns, per event id, the subscribers whose copy the broker acknowledged and when, so the store records
   * those rows delivered; the others are stored pending and go out through the dispatch cycles. When a store
   * failed, its retried batch gets the copies acknowledged before, not sent again. A release read again after
   * its store committed (a crash, a rebalance) is sent again: delivery is at-least-once, and subscribers
   * deduplicate by event id and the bundle's deterministic STIX ids.
   */
  async deliverFresh(items: readonly FreshRelease[]): Promise<Map<string, ReadonlyMap<string, number>>> {
    const bySubscriber = new Map<string, PendingRow[]>();
    for (const it of items) {
      const acked = this.freshAcked.get(it.eventId);
      const releasedAt = new Date(it.releasedAt);
      for (const id of it.subscriberIds) {
        if (acked?.has(id) || !this.takesFresh(id)) continue;
        let list = bySubscriber.get(id);
        if (!list) bySubscriber.set(id, (list = []));
        // No seq: the row is not stored yet (the store records it delivered).
        list.push({
          seq: '',
          event_id: it.eventId,
          version: 1,
          payload: it.bundle,
          released_at: releasedAt,
          trace_context: it.traceContext ?? null,
        });
      }
    }
    // At most DISPATCH_BATCH rows of a subscriber per request, as a dispatch cycle takes them (a batch consumed
    // at full load can hold hundreds of releases); its requests go out one after the other (sendFresh).
    const max = this.config.DISPATCH_BATCH;
    const pieces = [...bySubscriber].flatMap(([id, rows]) =>
      Array.from({ length: Math.ceil(rows.length / max) }, (_, k): [string, PendingRow[]] => [
        id,
        rows.slice(k * max, (k + 1) * max),
      ]),
    );
    await Promise.all(requestsOf(pieces, max).map((chunk) => this.sendFresh(chunk)));
    const delivered = new Map<string, ReadonlyMap<string, number>>();
    for (const it of items) {
      const acked = this.freshAcked.get(it.eventId);
      if (acked) delivered.set(it.eventId, acked);
    }
    return delivered;
  }

  private takesFresh(id: string): boolean {
    const s = this.states.get(id);
    return (
      !this.stopped && !!s && s.failures === 0 && !s.inFlight && this.owned.has(id) && !this.dirty.has(id)
    );
  }

  /**
   * One shared request of fresh rows, queued behind the fresh requests of its subscribers still in flight
   * (another partition's releases): one subscriber is in one request at a time, as in the dispatch cycles, which
   * leave it alone meanwhile.
   */
  private async sendFresh(groups: ReadonlyArray<[string, PendingRow[]]>): Promise<void> {
    const states = groups.map(([id]) => [id, this.state(id)] as const);
    const sending = Promise.all(states.map(([, s]) => s.freshTail)).then(() => this.publishFresh(groups));
    for (const [, s] of states) s.freshTail = sending;
    try {
      await sending;
    } finally {
      for (const [, s] of states) if (s.freshTail === sending) s.freshTail = undefined;
      if (states.some(([id, s]) => !s.freshTail && this.dirty.has(id))) this.cycles.kick();
    }
  }

  /** Publishes fresh rows on a shared producer and remembers what the broker acknowledged; never rejects. */
  private async publishFresh(groups: ReadonlyArray<[string, PendingRow[]]>): Promise<void> {
    const spans = groups.map(([id, rows]) => rows.map((r) => deliverySpan(id, r)));
    try {
      const { outcomes, at } = await this.sendGroups(groups);
      groups.forEach(([id, rows], g) => {
        const { done, missed } = outcomes[g] as Split;
        const list = spans[g] as Span[];
        for (const i of done) this.rememberAcked((rows[i] as PendingRow).event_id, id, at);
        if (done.length > 0) this.succeeded(id, this.state(id), pick(rows, done), at, pick(list, done));
        // Stored pending, these go out again through the dispatch cycles (and their back-off, should they fail).
        if (missed.length > 0) endSpans(pick(list, missed), 'failed', UnacknowledgedWrite.CODE);
      });
    } catch (err) {
      const code = errorCode(err);
      for (const list of spans) endSpans(list, 'failed', code);
      this.logger.warn(
        { code, subscribers: groups.length },
        'fresh publish failed; left to the dispatch cycles',
      );
    }
  }

  private rememberAcked(eventId: string, subscriberId: string, at: number): void {
    let acked = this.freshAcked.get(eventId);
    if (!acked) {
      this.freshAcked.set(eventId, (acked = new Map()));
      trimOldest(this.freshAcked, this.config.DISPATCH_CACHE_EVENTS);
    }
    acked.set(subscriberId, at);
  }

  /** The current backlog per subscriber, refreshed from PostgreSQL. */
  async currentBacklog(): Promise<SubscriberBacklog[]> {
    await this.refreshBacklog();
    return this.backlog;
  }

  /** Drains every subscriber with pending rows, and refreshes the backlog the metrics report. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.refreshBacklog();
      this.drain(this.backlog.filter((b) => b.pending > 0).map((b) => b.subscriberId));
    } catch (err) {
      this.logger.warn({ code: errorCode(err) }, 'fan-out backlog poll failed');
    }
  }

  private async refreshBacklog(): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT subscriber_id, count(*)::int AS pending, min(queued_at) AS oldest
       FROM deliveries WHERE delivered_at IS NULL AND channel = 'kafka'
       GROUP BY subscriber_id ORDER BY subscriber_id`,
    )) as Array<{ subscriber_id: string; pending: number; oldest: Date }>;
    const now = Date.now();
    const seen = new Set(rows.map((r) => r.subscriber_id));
    const failing = [...this.states.entries()].filter(([id, s]) => s.failures > 0 && !seen.has(id));
    this.backlog = [
      ...rows.map((r) => this.describe(r.subscriber_id, r.pending, r.oldest, now)),
      ...failing.map(([id]) => this.describe(id, 0, null, now)),
    ];
  }

  private describe(id: string, pending: number, oldest: Date | null, now: number): SubscriberBacklog {
    const s = this.states.get(id);
    return {
      subscriberId: id,
      pending,
      oldestQueuedAt: oldest ? oldest.toISOString() : null,
      oldestAgeSeconds: oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : 0,
      failures: s?.failures ?? 0,
      lastError: s?.lastError ?? null,
      nextAttemptAt: s && s.retryAt > now ? new Date(s.retryAt).toISOString() : null,
    };
  }

  private state(id: string): SubscriberState {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = { inFlight: false, failures: 0, lastError: null, retryAt: 0 }));
    return s;
  }

  /** Marks subscribers as having work; the cycle that follows takes all that are ready then. */
  private drain(ids: Iterable<string>): void {
    if (this.stopped) return;
    for (const id of ids) this.dirty.add(id);
    this.cycles.kick();
  }

  /**
   * One query reads the next rows of every subscriber that has work and is neither publishing nor backing
   * off; each subscriber's rows then go out on its own producer, unawaited, so a slow or failing topic only
   * delays itself. The database cost per cycle stays two statements whatever the number of subscribers.
   */
  private async runCycle(): Promise<void> {
    const now = Date.now();
    const ready = [...this.dirty].filter((id) => {
      const s = this.state(id);
      return !s.inFlight && !s.freshTail && now >= s.retryAt;
    });
    for (const id of ready) this.dirty.delete(id);
    const owned: string[] = [];
    for (const id of ready) if (await this.owns(id)) owned.push(id);
    if (owned.length === 0) return;
    const queued = (await this.dataSource.query(
      `SELECT p.seq::text AS seq, p.subscriber_id, p.event_id, p.version
       FROM (
         SELECT d.seq, d.subscriber_id, d.event_id, d.version,
           row_number() OVER (PARTITION BY d.subscriber_id ORDER BY d.seq) AS n
         FROM deliveries d
         WHERE d.subscriber_id = ANY($1::text[]) AND d.channel = 'kafka' AND d.delivered_at IS NULL
           AND NOT (d.seq = ANY($3::bigint[]))
       ) p
       WHERE p.n <= $2
       ORDER BY p.subscriber_id, p.seq`,
      [owned, this.config.DISPATCH_BATCH, [...this.recording]],
    )) as Array<{ seq: string; subscriber_id: string; event_id: string; version: number }>;
    if (queued.length === 0) return;
    const rows = await this.withPayloads(queued);
    const bySubscriber = new Map<string, PendingRow[]>();
    for (const r of rows) {
      let list = bySubscriber.get(r.subscriber_id);
      if (!list) bySubscriber.set(r.subscriber_id, (list = []));
      list.push(r);
    }
    // A full batch read: more rows may wait, for the cycle after this send (track kicks it).
    for (const [id, list] of bySubscriber) if (list.length === this.config.DISPATCH_BATCH) this.dirty.add(id);
    // Subscribers whose last attempt succeeded share one request per broker, even one alone in a cycle (a
    // producer of its own would stay open beside the shared ones); one that failed goes on its own producer and
    // back-off until it succeeds again.
    const shared = [...bySubscriber].filter(([id]) => this.state(id).failures === 0);
    const alone = [...bySubscriber].filter(([id]) => this.state(id).failures > 0);
    for (const chunk of requestsOf(shared, this.config.DISPATCH_BATCH))
      this.track(chunk, this.publishShared(chunk));
    for (const group of alone) this.track([group], this.publish(group[0], this.state(group[0]), group[1]));
  }

  /** Marks subscribers as publishing until `sending` settles; leftovers then get the next cycle. */
  private track(groups: ReadonlyArray<[string, PendingRow[]]>, sending: Promise<void>): void {
    const states = groups.map(([id]) => [id, this.state(id)] as const);
    for (const [, s] of states) s.inFlight = true;
    const done = sending.finally(() => {
      this.sending.delete(done);
      for (const [, s] of states) s.inFlight = false;
      if (states.some(([id]) => this.dirty.has(id))) this.cycles.kick();
    });
    this.sending.add(done);
  }

  /** The bundle of each queued row: from the recent releases, else (each bundle once) from PostgreSQL. */
  private async withPayloads(
    queued: ReadonlyArray<{ seq: string; subscriber_id: string; event_id: string; version: number }>,
  ): Promise<Array<PendingRow & { subscriber_id: string }>> {
    const cached = (q: { event_id: string; version: number }) =>
      q.version === 1 ? this.recent.get(q.event_id) : undefined;
    const missing = [...new Set(queued.filter((q) => !cached(q)).map((q) => q.event_id))];
    const stored = new Map(
      missing.length === 0
        ? []
        : (
            (await this.dataSource.query(
              `SELECT event_id, bundle, revoked_bundle, released_at, trace_context FROM released_events
               WHERE event_id = ANY($1::text[])`,
              [missing],
            )) as Array<{
              event_id: string;
              bundle: string;
              revoked_bundle: string | null;
              released_at: Date;
              trace_context: Record<string, string> | null;
            }>
          ).map((b) => [b.event_id, b]),
    );
    return queued.flatMap((q): Array<PendingRow & { subscriber_id: string }> => {
      const c = cached(q);
      if (c) return [{ ...q, payload: c.payload, released_at: c.releasedAt, trace_context: c.traceContext }];
      const b = stored.get(q.event_id);
      const payload = q.version === 1 ? b?.bundle : b?.revoked_bundle;
      return b && payload
        ? [{ ...q, payload, released_at: b.released_at, trace_context: b.trace_context }]
        : [];
    });
  }

  /** Acknowledged Kafka deliveries of a recent release count down; the last one forgets its bundle. */
  private sent(rows: readonly PendingRow[]): void {
    for (const r of rows) {
      if (r.version !== 1) continue;
      const c = this.recent.get(r.event_id);
      if (c && --c.unsent <= 0) this.recent.delete(r.event_id);
    }
  }

  /** Publishes one subscriber's rows in queue order and records them delivered; failures back off. */
  private async publish(id: string, s: SubscriberState, rows: PendingRow[]): Promise<void> {
    const spans = rows.map((r) => deliverySpan(id, r));
    let open = spans;
    try {
      const producer = await this.producerFor(s);
      const placed = await this.place(id, rows);
      const acks = await producer.send({ topic: shareTopic(id), acks: -1, messages: placed.map(toMessage) });
      const { done, missed } = splitAcknowledged(placed, acknowledgedBy(acks));
      if (done.length > 0) {
        // The acknowledgement time, the same for the whole request (one produce call published it).
        const at = Date.now();
        this.record(
          done.map((i) => (rows[i] as PendingRow).seq),
          at,
        );
        this.succeeded(id, s, pick(rows, done), at, pick(spans, done));
        open = pick(spans, missed);
      }
      // The rows of partitions the broker did not acknowledge stay queued, behind this subscriber's back-off.
      if (missed.length > 0) throw new UnacknowledgedWrite();
      // Healthy again: its next rows go out on the shared producers.
      await closeOwnProducer(s);
    } catch (err) {
      s.failures += 1;
      s.lastError = errorCode(err);
      endSpans(open, 'failed', s.lastError);
      const backoff = Math.min(
        this.config.DISPATCH_BACKOFF_MAX_MS,
        this.config.DISPATCH_BACKOFF_MIN_MS * 2 ** Math.min(s.failures - 1, 20),
      );
      s.retryAt = Date.now() + backoff * (0.8 + Math.random() * 0.4);
      this.failed.add(1, { subscriber: id });
      this.logger.warn(
        {
          subscriber: id,
          code: s.lastError,
          failures: s.failures,
          retryInMs: Math.round(s.retryAt - Date.now()),
        },
        'subscriber topic failed; backing off',
      );
      // Recorded on the head row, so the backlog shows why it is stuck.
      await this.dataSource
        .query(`UPDATE deliveries SET attempts = attempts + 1, last_error = $2 WHERE seq = $1::bigint`, [
          rows[0]?.seq,
          s.lastError,
        ])
        .catch(() => undefined);
      // A fresh producer next time: kafkajs keeps failing metadata for a topic it once targeted.
      await closeOwnProducer(s);
    }
  }

  /**
   * Publishes several subscribers' rows with one shared producer: one produce request per broker instead of
   * one per subscriber. Should it fail, nothing tells which topic failed, so each subscriber is published on
   * its own producer at once (the rows are unacknowledged; a copy the broker did take is the same payload
   * again, deduplicated by event id), and only a failing one backs off.
   */
  private async publishShared(groups: ReadonlyArray<[string, PendingRow[]]>): Promise<void> {
    const spans = groups.map(([id, rows]) => rows.map((r) => deliverySpan(id, r)));
    let outcomes: Split[];
    let at: number;
    try {
      // The rows of partitions the broker did not acknowledge go out again below, on their subscribers' own
      // producers.
      ({ outcomes, at } = await this.sendGroups(groups));
      this.record(
        groups.flatMap(([, rows], g) => (outcomes[g] as Split).done.map((i) => (rows[i] as PendingRow).seq)),
        at,
      );
    } catch (err) {
      const code = errorCode(err);
      for (const list of spans) endSpans(list, 'failed', code);
      this.logger.warn(
        { code, subscribers: groups.length },
        'shared publish failed; publishing each subscriber alone',
      );
      await Promise.all(groups.map(([id, rows]) => this.publish(id, this.state(id), rows)));
      return;
    }
    const retries: Array<Promise<void>> = [];
    groups.forEach(([id, rows], g) => {
      const { done, missed } = outcomes[g] as Split;
      const list = spans[g] as Span[];
      if (done.length > 0) this.succeeded(id, this.state(id), pick(rows, done), at, pick(list, done));
      if (missed.length === 0) return;
      endSpans(pick(list, missed), 'failed', UnacknowledgedWrite.CODE);
      retries.push(this.publish(id, this.state(id), pick(rows, missed)));
    });
    await Promise.all(retries);
  }

  /**
   * One request of several subscribers' rows on a shared producer, and each subscriber's rows split by whether
   * the broker acknowledged their partition (only those count as delivered, see PartitionPlacer), with the
   * acknowledgement time. Rejects when the request fails.
   */
  private async sendGroups(
    groups: ReadonlyArray<[string, PendingRow[]]>,
  ): Promise<{ outcomes: Split[]; at: number }> {
    const placed = await Promise.all(groups.map(([id, rows]) => this.place(id, rows)));
    const acks = await this.sendShared(
      groups.map(([id], g) => ({
        topic: shareTopic(id),
        messages: (placed[g] as OutgoingRow[]).map(toMessage),
      })),
    );
    const acknowledged = acknowledgedBy(acks);
    return { outcomes: placed.map((list) => splitAcknowledged(list, acknowledged)), at: Date.now() };
  }

  /** Each row with its subscriber topic and partition (see PartitionPlacer), as the request will carry it. */
  private place(id: string, rows: readonly PendingRow[]): Promise<OutgoingRow[]> {
    return this.placer.place(rows.map((row) => ({ row, topic: shareTopic(id), key: row.event_id })));
  }

  private succeeded(id: string, s: SubscriberState, rows: PendingRow[], at: number, spans: Span[]): void {
    this.sent(rows);
    s.failures = 0;
    s.lastError = null;
    s.retryAt = 0;
    this.delivered.add(rows.length, { subscriber: id });
    for (const r of rows) this.latency.record(Math.max(0, at - new Date(r.released_at).getTime()));
    endSpans(spans, 'delivered');
  }

  /**
   * Records acknowledged rows as delivered without holding up the subscriber's next request. Should the UPDATE
   * fail, the rows become pending again and go out once more: the same payloads under the same event ids,
   * which subscribers deduplicate (delivery stays at-least-once).
   */
  private record(seqs: string[], at: number): void {
    for (const seq of seqs) this.recording.add(seq);
    void this.acknowledge(seqs, at)
      .catch((err: unknown) => {
        this.logger.warn(
          { code: errorCode(err), rows: seqs.length },
          'could not record deliveries; they will be sent again',
        );
      })
      .finally(() => {
        for (const seq of seqs) this.recording.delete(seq);
      });
  }

  /** Marks rows delivered; acknowledgements arriving together share one UPDATE. */
  private acknowledge(seqs: string[], at: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.acks.push({ seqs, at, resolve, reject });
      if (!this.flushing) this.flushing = this.flushAcks().finally(() => (this.flushing = undefined));
    });
  }

  private async flushAcks(): Promise<void> {
    while (this.acks.length > 0) {
      const batch = this.acks.splice(0);
      const seqs = batch.flatMap((b) => b.seqs);
      const ats = batch.flatMap((b) => b.seqs.map(() => new Date(b.at)));
      try {
        await this.dataSource.query(
          `UPDATE deliveries d SET delivered_at = a.at, attempts = d.attempts + 1, last_error = NULL
           FROM unnest($1::bigint[], $2::timestamptz[]) AS a(seq, at)
           WHERE d.seq = a.seq`,
          [seqs, ats],
        );
        batch.forEach((b) => b.resolve());
      } catch (err) {
        batch.forEach((b) => b.reject(err));
      }
    }
  }

  /**
   * Whether this instance dispatches a subscriber: a session advisory lock on one dedicated connection,
   * taken on first use and kept until shutdown (or until that connection dies, when another instance's
   * next poll takes over). One publisher per subscriber keeps its queue order across replicas.
   */
  private async owns(id: string): Promise<boolean> {
    if (this.owned.has(id)) return true;
    // One connection answers one query at a time: lock attempts are chained.
    const attempt = this.lockChain.then(async () => {
      if (!this.lockRunner) {
        this.lockRunner = this.dataSource.createQueryRunner();
        await this.lockRunner.connect();
      }
      const [row] = (await this.lockRunner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [
        `kyoyu.fanout.dispatch:${id}`,
      ])) as Array<{ ok: boolean }>;
      if (row?.ok) this.owned.add(id);
      return row?.ok ?? false;
    });
    this.lockChain = attempt.catch(() => false);
    return attempt;
  }

  /**
   * One request on the least busy shared producer. A producer whose request failed is replaced (kafkajs keeps
   * failing metadata for a topic it once sent to); requests already on it fail over as this one does.
   */
  private async sendShared(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    const slot = this.shared.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    try {
      const producer = await (slot.producer ??= this.newProducer());
      return await producer.sendBatch({ acks: -1, topicMessages });
    } catch (err) {
      const failed = slot.producer;
      slot.producer = undefined;
      void failed?.then((p) => p.disconnect()).catch(() => undefined);
      throw err;
    } finally {
      slot.busy--;
    }
  }

  private async producerFor(s: SubscriberState): Promise<Producer> {
    if (!s.producer) s.producer = await this.newProducer();
    return s.producer;
  }

  private async newProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // Few, quick retries: a failing topic falls back to this subscriber's own back-off instead.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    await producer.connect();
    return producer;
  }
}

/**
 * Subscribers' rows in shared requests of about `max` messages each (a subscriber's rows stay together):
 * with many subscribers and a backlog, one request for all would hold hundreds of megabytes. A group of `max`
 * rows fills a request alone, so a subscriber whose rows come in such groups (deliverFresh) is never twice in
 * one request.
 */
function requestsOf(
  groups: ReadonlyArray<[string, PendingRow[]]>,
  max: number,
): Array<Array<[string, PendingRow[]]>> {
  const out: Array<Array<[string, PendingRow[]]>> = [];
  let current: Array<[string, PendingRow[]]> = [];
  let size = 0;
  for (const group of groups) {
    if (current.length > 0 && size + group[1].length > max) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(group);
    size += group[1].length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** One of the producers healthy subscribers share, created on first use, and its requests in flight. */
interface SharedProducer {
  producer?: Promise<Producer>;
  busy: number;
}

/** A queued row on its way to the subscriber's topic. */
type OutgoingRow = PlacedMessage<{ row: PendingRow; topic: string; key: string }>;

/** Positions of a request's rows whose partitions the broker acknowledged, and of the others. */
interface Split {
  done: number[];
  missed: number[];
}

function splitAcknowledged(
  rows: readonly OutgoingRow[],
  acknowledged: ReturnType<typeof acknowledgedBy>,
): Split {
  const split: Split = { done: [], missed: [] };
  rows.forEach((r, i) => (acknowledged(r) ? split.done : split.missed).push(i));
  return split;
}

function pick<T>(list: readonly T[], positions: readonly number[]): T[] {
  return positions.map((i) => list[i] as T);
}

/** The bundle and its media type only, on the partition it was placed on. */
function toMessage(o: OutgoingRow) {
  return { key: o.key, value: o.row.payload, headers: SUBSCRIBER_HEADERS, partition: o.partition };
}

/**
 * One span per delivery to a subscriber, in the alert's own trace (the context stored with the release).
 * Not a stage span (no `kyoyu.stage`), so stage metrics do not count deliveries as records.
 */
function deliverySpan(subscriber: string, row: PendingRow): Span {
  return tracer.startSpan(
    'fanout deliver',
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': shareTopic(subscriber),
        'kyoyu.subscriber': subscriber,
      },
    },
    parentOf(row),
  );
}

/**
 * Each stored trace context's parsed form, kept as long as the object: an event's rows to every subscriber
 * share one object, and parsing it once per row was 2.3% of fan-out's sampled allocations at 100 subscribers.
 */
const parents = new WeakMap<Record<string, string>, Context>();

function parentOf(row: PendingRow): Context {
  const carrier = row.trace_context;
  if (!carrier) return ROOT_CONTEXT;
  let parent = parents.get(carrier);
  if (!parent) parents.set(carrier, (parent = propagation.extract(ROOT_CONTEXT, carrier)));
  return parent;
}

function endSpans(spans: Span[], outcome: 'delivered' | 'failed', code?: string): void {
  for (const span of spans) {
    span.setAttribute('kyoyu.outcome', outcome);
    if (code) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    span.end();
  }
}

/** The broker acknowledged no write for some of a subscriber's rows although the send resolved. */
class UnacknowledgedWrite extends Error {
  static readonly CODE = 'UNACKNOWLEDGED_WRITE';
  override readonly name = UnacknowledgedWrite.CODE;
  constructor() {
    super('the broker acknowledged no write for a partition of the subscriber topic');
  }
}

/** Drops a map's oldest entries (insertion order) beyond `max`. */
function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) break;
    map.delete(key);
  }
}

async function closeOwnProducer(s: SubscriberState): Promise<void> {
  const p = s.producer;
  s.producer = undefined;
  await p?.disconnect().catch(() => undefined);
}

/** A stable, content-free code for an error: the Kafka error type or the error class. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { type?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.type === 'string') return e.type;
    if (e.cause && typeof (e.cause as { type?: unknown }).type === 'string')
      return (e.cause as { type: string }).type;
    if (typeof e.name === 'string') return e.name;
  }
  return 'UNKNOWN';
}
