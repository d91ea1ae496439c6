import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { RejectReason, Stage } from '@kyoyu/contracts';
import { CliError, ExitCode } from '../lib/errors';
import { table } from '../lib/output';
import { readRejections, summarize } from '../lib/rejections';
import { replayOnce, type ReplayResult } from '../lib/replay';
import { parseLimit } from './held';
import type { Runner } from './runner';

function parseEnum<T extends string>(schema: { options: readonly T[] }, value: string): T {
  if (!(schema.options as readonly string[]).includes(value)) {
    throw new CliError('USAGE', `expected one of ${schema.options.join(', ')}`, ExitCode.BadInput);
  }
  return value as T;
}

/** `kyoyu rejections …`: what alerts.rejected.v1 holds, and replays of fixed records through ingestion. */
export function registerRejectionCommands(program: Command, run: Runner): void {
  const rej = program.command('rejections').description('list, inspect and replay rejected records');
  rej
    .command('list')
    .description('rejections retained on alerts.rejected.v1, newest last')
    .option('--reason <code>', 'only this reason code')
    .option('--stage <stage>', 'only rejections by this stage')
    .option('--limit <n>', 'at most n (the newest)', parseLimit, 100)
    .action((opts: { reason?: string; stage?: string; limit: number }) =>
      run(async (ctx) => {
        const reason = opts.reason ? parseEnum(RejectReason, opts.reason) : undefined;
        const stage = opts.stage ? parseEnum(Stage, opts.stage) : undefined;
        const { rejections, unreadable } = await readRejections(ctx.kafka(), await ctx.admin(), ctx.progress);
        const replayed = await replayedIds(
          ctx,
          rejections.map((r) => r.event.id),
        );
        const items = rejections
          .filter(
            (r) => (!reason || r.event.data.reason === reason) && (!stage || r.event.data.stage === stage),
          )
          .sort((a, b) => a.event.data.rejectedAt.localeCompare(b.event.data.rejectedAt))
          .slice(-opts.limit)
          .map((r) => ({ ...summarize(r), replayed: replayed.has(r.event.id) }));
        ctx.out.result({ rejections: items, unreadable }, () =>
          [
            table(items, ['id', 'reason', 'stage', 'origin', 'sourceOrg', 'size', 'rejectedAt', 'replayed']),
            ...(unreadable
              ? [`${unreadable} record(s) on the topic do not match the rejection contract`]
              : []),
          ].join('\n'),
        );
      }),
    );
  rej
    .command('show <id>')
    .description('one rejection: reason, stage, detail, origin, original size and hash')
    .action((id: string) =>
      run(async (ctx) => {
        const { rejections } = await readRejections(ctx.kafka(), await ctx.admin(), ctx.progress);
        const r = rejections.find((x) => x.event.id === id);
        if (!r)
          throw new CliError('REJECTION.NOT_FOUND', `no retained rejection with id ${id}`, ExitCode.NotFound);
        const d = r.event.data;
        const replayed = await replayedIds(ctx, [id]);
        const item = {
          ...summarize(r),
          detail: d.detail,
          sha256: d.original.sha256,
          replayed: replayed.has(id),
        };
        ctx.out.result(item, () =>
          Object.entries(item)
            .map(([k, v]) => `${k.padEnd(14)}${String(v)}`)
            .join('\n'),
        );
      }),
    );
  rej
    .command('replay <ids...>')
    .description('re-send rejected records (their original bytes) through ingestion, each at most once')
    .option('--source-org <id>', 'customer to attribute records that were rejected without one')
    .action((ids: string[], opts: { sourceOrg?: string }) =>
      run(async (ctx) => {
        const db = await ctx.database();
        const { rejections } = await readRejections(ctx.kafka(), await ctx.admin(), ctx.progress);
        const byId = new Map(rejections.map((r) => [r.event.id, r]));
        const producer = ctx.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        const results: ReplayResult[] = [];
        try {
          ctx.progress.start(ids.length, 'replaying');
          for (const id of new Set(ids)) {
            const r = byId.get(id);
            results.push(
              r
                ? await replayOnce(db, producer, r, userInfo().username, opts.sourceOrg)
                : {
                    id,
                    status: 'refused',
                    code: 'NOT_FOUND',
                    message: 'no retained rejection with this id on alerts.rejected.v1',
                  },
            );
            ctx.progress.increment();
          }
        } finally {
          ctx.progress.stop();
          await producer.disconnect();
        }
        ctx.out.result(results, () =>
          results
            .map((r) =>
              r.status === 'replayed' ? `${r.id}  replayed` : `${r.id}  refused: ${r.message} [${r.code}]`,
            )
            .join('\n'),
        );
        return results.some((r) => r.status === 'refused') ? ExitCode.Refused : ExitCode.Ok;
      }),
    );
}

async function replayedIds(ctx: Parameters<Parameters<Runner>[0]>[0], ids: string[]): Promise<Set<string>> {
  if (!ctx.config.DATABASE_URL || ids.length === 0) return new Set();
  const rows = (await (
    await ctx.database()
  ).query(`SELECT rejection_id FROM rejection_replays WHERE rejection_id = ANY($1)`, [ids])) as Array<{
    rejection_id: string;
  }>;
  return new Set(rows.map((r) => r.rejection_id));
}
