import { z } from 'zod';
import { BaseConfig, refineSasl } from '@kyoyu/config';
import { DEFAULT_PRODUCER } from '@kyoyu/stix';

const ms = (def: number) => z.coerce.number().int().min(1).max(3_600_000).default(def);

export const FanoutConfig = BaseConfig.extend({
  /** Named as the producer identity in every STIX bundle (the SOC operator, never a victim). */
  PRODUCER_NAME: z.string().min(1).default(DEFAULT_PRODUCER.name),
  /**
   * Worker threads that decode consumed releases, run the egress guard on them and render their STIX bundles
   * (0: on the event loop). One keeps that work off the thread that consumes, stores and publishes; more pay
   * off only with more than two cores.
   */
  RENDER_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /** How often each subscriber's backlog is checked, besides the kick after every stored batch. */
  DISPATCH_POLL_MS: ms(1000),
  /** How often releases whose embargo has ended are looked for. */
  EMBARGO_POLL_MS: ms(10_000),
  /**
   * Deliveries per Kafka request: one subscriber's, or several healthy subscribers' together. 50 bundles make a
   * request of about 450 KB, whose encoding buffers stay below the malloc mmap threshold (1 MB, see
   * STAGE_PROCESS_ENV) and reuse heap pages; 500 made 4.5 MB requests with fresh mmapped buffers for each.
   */
  DISPATCH_BATCH: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Producers that healthy subscribers share, so that many of their requests go out at once: an idempotent
   * producer has one request in flight per broker.
   */
  DISPATCH_SHARED_PRODUCERS: z.coerce.number().int().min(1).max(16).default(3),
  /**
   * Released events stored per statement (their bundles, delivery rows). 64 bundles make a Bind message of about
   * 550 KB, whose buffer stays below the malloc mmap threshold (1 MB, see STAGE_PROCESS_ENV); with 500 it grew
   * to 2.5 MB through fresh mappings, each page faulted in on first touch.
   */
  STORE_BATCH: z.coerce.number().int().min(1).max(5_000).default(64),
  /**
   * Bundles of the latest releases kept in memory until each subscriber has it (the dispatcher then need not
   * read them back from PostgreSQL): a hand-over between storing and publishing, so a few batches suffice.
   * Memory ≈ this × bundle size (≈ 9 KB); older ones are read back. Also bounds the releases whose subscribers
   * got them before they were stored and whose store has not yet committed.
   */
  DISPATCH_CACHE_EVENTS: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  /** First and longest wait before a failing subscriber topic is tried again (doubling in between). */
  DISPATCH_BACKOFF_MIN_MS: ms(500),
  DISPATCH_BACKOFF_MAX_MS: ms(30_000),
  /** TAXII deliveries appended to collections per transaction (each ≈ 20 objects). */
  TAXII_APPEND_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
  /** How long a kick waits for more stored batches before appending (their deliveries then share one transaction). */
  TAXII_APPEND_LINGER_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /** Largest `limit` a TAXII client may ask for (and the default page size is the smaller of it and 100). */
  TAXII_MAX_PAGE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Bearer token for the operator endpoints (`/fanout/backlog`); unset = those endpoints are refused. */
  FANOUT_ADMIN_TOKEN: z.string().min(16).optional(),
}).superRefine(refineSasl);
export type FanoutConfig = z.infer<typeof FanoutConfig>;
