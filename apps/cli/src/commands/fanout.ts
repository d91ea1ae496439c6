import type { Command } from 'commander';
import { table } from '../lib/output';
import type { Runner } from './runner';

interface GuardHold {
  eventId: string;
  heldAt: string;
  hits: Array<{ kind: string; view: string }>;
}

/** A type, not an interface: printed by `table`, which takes plain records. */
type Backlog = {
  subscriberId: string;
  pending: number;
  oldestAgeSeconds: number;
  failures: number;
  lastError: string | null;
  nextAttemptAt: string | null;
};

/** One delivery of an event, as `GET /fanout/deliveries` gives it (a type: printed by `table`). */
type Delivery = {
  subscriberId: string;
  channel: string;
  version: number;
  contentHash: string;
  queuedAt: string;
  deliveredAt: string | null;
  attempts: number;
  lastError: string | null;
};

interface ReleasedEventSummary {
  event_id: string;
  content_hash: string;
  recipients: number;
  released_at: string;
  revoked: boolean;
  revoked_at: string | null;
  revoke_reason: string | null;
}

/** A type, not an interface: printed by `table`, which takes plain records. */
type ParkedRelease = {
  eventId: string;
  releaseAt: string;
  parkedAt: string;
  failedAt: string | null;
  failure: string | null;
};

/**
 * `kyoyu fanout …`: fan-out's operator endpoints from the command line (FANOUT_URL, FANOUT_ADMIN_TOKEN): the
 * releases its egress guard stopped, releasing a false alarm, each subscriber's backlog, who received an event,
 * and the releases parked under embargo.
 */
export function registerFanoutCommands(program: Command, run: Runner): void {
  const fanout = program
    .command('fanout')
    .description("fan-out's egress-guard holds, subscriber backlog, deliveries and embargoed releases");
  fanout
    .command('held')
    .description('releases fan-out egress guard stopped before delivery: kinds and views seen, never values')
    .action(() =>
      run(async (ctx) => {
        const { held } = await ctx.fanout().get<{ held: GuardHold[] }>('/fanout/held');
        const rows = held.map((h) => ({
          eventId: h.eventId,
          heldAt: h.heldAt,
          hits: h.hits.map((x) => `${x.kind}/${x.view}`).join(' '),
        }));
        ctx.out.result(held, () => table(rows));
      }),
    );
  fanout
    .command('release <eventId>')
    .description(
      'deliver a held release judged a false alarm (routed now, or parked if its embargo runs); ' +
        'a real leak is withdrawn with `events revoke`',
    )
    .action((eventId: string) =>
      run(async (ctx) => {
        const r = await ctx
          .fanout()
          .post<{ eventId: string; status: string }>(`/fanout/held/${encodeURIComponent(eventId)}/release`);
        ctx.out.result(r, () => `${r.status}: ${r.eventId}`);
      }),
    );
  fanout
    .command('backlog')
    .description("each subscriber's undelivered Kafka deliveries, oldest age, failures and next attempt")
    .action(() =>
      run(async (ctx) => {
        const { subscribers } = await ctx.fanout().get<{ subscribers: Backlog[] }>('/fanout/backlog');
        ctx.out.result(subscribers, () => table(subscribers));
      }),
    );
  fanout
    .command('deliveries <eventId>')
    .description(
      'who received an event: every subscriber and channel, version (2 = revoked), content hash, when delivered',
    )
    .action((eventId: string) =>
      run(async (ctx) => {
        const r = await ctx
          .fanout()
          .get<{ event: ReleasedEventSummary; deliveries: Delivery[] }>(
            `/fanout/deliveries?eventId=${encodeURIComponent(eventId)}`,
          );
        const e = r.event;
        const revoked = e.revoked ? `, revoked ${e.revoked_at} (${e.revoke_reason})` : '';
        ctx.out.result(
          r,
          () =>
            `${e.event_id}: released ${e.released_at}, ${e.recipients} deliveries${revoked}\n${table(r.deliveries)}`,
        );
      }),
    );
  fanout
    .command('embargoed')
    .description(
      'releases parked until their embargo ends, soonest first, and those that failed when it did ' +
        '(never delivered; withdraw one with `events revoke`)',
    )
    .action(() =>
      run(async (ctx) => {
        const r = await ctx
          .fanout()
          .get<{ waiting: number; failed: number; releases: ParkedRelease[] }>('/fanout/embargoed');
        ctx.out.result(r, () => `${r.waiting} waiting, ${r.failed} failed\n${table(r.releases)}`);
      }),
    );
}
