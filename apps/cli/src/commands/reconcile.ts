import { InvalidArgumentError, type Command } from 'commander';
import {
  downstreamFacts,
  ingestOutcomes,
  reconcile,
  type OffsetRange,
  type ReconcileReport,
} from '@kyoyu/persistence';
import { inputTopics, offsetRanges } from '../lib/reconcile-facts';
import { CliError, ExitCode } from '../lib/errors';
import { table } from '../lib/output';
import { parseTime } from '../lib/time';
import { readRejections } from '../lib/rejections';
import type { Runner } from './runner';

/** parseTime as a commander option parser: a bad value is a usage error. */
function timeOption(value: string): number {
  try {
    return parseTime(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** `kyoyu reconcile`: proves every input record of a time range has exactly one recorded outcome. */
export function registerReconcileCommand(program: Command, run: Runner): void {
  program
    .command('reconcile')
    .description(
      'for a time range, check that every input record has exactly one recorded outcome ' +
        '(released, held, rejected, duplicate, dropped by policy) and list any that has not',
    )
    .requiredOption('--from <time>', 'start (ISO-8601, or e.g. 6h for six hours ago)', timeOption)
    .option('--to <time>', 'end, exclusive (default: now)', timeOption, Date.now())
    .option('--limit <n>', 'list at most n problems in the text output', (v) => Number(v), 50)
    .action((opts: { from: number; to: number; limit: number }) =>
      run(async (ctx) => {
        if (!(opts.from < opts.to))
          throw new CliError('USAGE', '--from must be before --to', ExitCode.BadInput);
        const admin = await ctx.admin();
        const db = await ctx.database();
        const topics = await inputTopics(admin);
        const ranges: OffsetRange[] = [];
        for (const t of topics) {
          ranges.push(...(await offsetRanges(ctx.kafka(), admin, t, opts.from, opts.to, ctx.progress)));
        }
        const total = ranges.reduce((n, r) => n + Number(r.to - r.from), 0);
        ctx.out.info(
          `${total} input record(s) in ${ranges.length} partition range(s) of ${topics.length} topic(s)`,
        );

        ctx.progress.start(ranges.length, 'outcomes');
        const outcomes = [];
        for (const r of ranges) {
          outcomes.push(...(await ingestOutcomes(db, [r])));
          ctx.progress.increment();
        }
        ctx.progress.stop();
        const alertIds = outcomes.flatMap((o) =>
          o.outcome === 'normalized' && o.alertId ? [o.alertId] : [],
        );
        const { rejections } = await readRejections(ctx.kafka(), admin, ctx.progress);
        const report = reconcile(ranges, outcomes, await downstreamFacts(db, alertIds, rejections));
        const result = {
          from: new Date(opts.from).toISOString(),
          to: new Date(opts.to).toISOString(),
          topics,
          ...report,
        };
        ctx.out.result(result, () => render(result, opts.limit));
        return report.ok ? ExitCode.Ok : ExitCode.ProblemsFound;
      }),
    );
}

function render(r: ReconcileReport & { from: string; to: string }, limit: number): string {
  const counts = Object.entries(r.outcomes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `${r.from} .. ${r.to}: ${r.inputRecords} input record(s); ${counts || 'no outcomes'}`,
    r.ok
      ? 'OK: every input record has exactly one recorded outcome'
      : `NOT OK: ${r.problems.length} record(s) without exactly one outcome`,
  ];
  if (!r.ok) {
    lines.push(table(r.problems.slice(0, limit).map((p) => ({ ...p, found: p.found.join(' ') }))));
    if (r.problems.length > limit) lines.push(`… ${r.problems.length - limit} more (use --json for all)`);
  }
  if (r.outcomesWithoutInput) lines.push(`${r.outcomesWithoutInput} outcome row(s) outside the read ranges`);
  return lines.join('\n');
}
