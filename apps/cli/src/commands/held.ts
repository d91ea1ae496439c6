import { InvalidArgumentError, type Command } from 'commander';
import { ReviewItemEntity, type ReviewState } from '@kyoyu/persistence';
import { CliError, ExitCode } from '../lib/errors';
import { table } from '../lib/output';
import type { Runner } from './runner';

const STATES: readonly ReviewState[] = [
  'held',
  'awaiting-second-approval',
  'approved',
  'rejected',
  'expired',
];

export function parseState(value: string): ReviewState {
  if (!(STATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${STATES.join(', ')}`);
  }
  return value as ReviewState;
}

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('expected 1..10000');
  return n;
}

/**
 * `kyoyu held …`: items the de-identification stage held for review. Shows reason codes, risk and
 * deadlines; the original alert stays in the review console, behind its per-customer clearance.
 */
export function registerHeldCommands(program: Command, run: Runner): void {
  const held = program.command('held').description('list and inspect items held for review');
  held
    .command('list')
    .description('list held items, oldest first')
    .option(
      '--state <state>',
      `one of ${STATES.join(', ')} (default: held and awaiting-second-approval)`,
      parseState,
    )
    .option('--limit <n>', 'at most n items', parseLimit, 100)
    .action((opts: { state?: ReviewState; limit: number }) =>
      run(async (ctx) => {
        const qb = (await ctx.database())
          .getRepository(ReviewItemEntity)
          .createQueryBuilder('r')
          .orderBy('r.created_at', 'ASC')
          .limit(opts.limit);
        if (opts.state) qb.where('r.state = :state', { state: opts.state });
        else qb.where('r.state IN (:...states)', { states: ['held', 'awaiting-second-approval'] });
        const items = (await qb.getMany()).map((r) => ({
          caseId: r.caseId,
          sourceOrg: r.sourceOrg,
          state: r.state,
          reasons: r.reasons.map((x) => x.code),
          risk: Number(r.risk.toFixed(3)),
          createdAt: r.createdAt,
          deadline: r.deadline,
        }));
        ctx.out.result(items, () => table(items));
      }),
    );
  held
    .command('show <caseId>')
    .description('one held item: reasons, transformations (field, action, rule), the sanitized draft')
    .action((caseId: string) =>
      run(async (ctx) => {
        const r = await (await ctx.database()).getRepository(ReviewItemEntity).findOneBy({ caseId });
        if (!r)
          throw new CliError('HELD.NOT_FOUND', `no held item with case id ${caseId}`, ExitCode.NotFound);
        const item = {
          caseId: r.caseId,
          alertId: r.alertId,
          sourceOrg: r.sourceOrg,
          state: r.state,
          reasons: r.reasons,
          risk: r.risk,
          tlp: r.tlp,
          createdAt: r.createdAt,
          deadline: r.deadline,
          decidedAt: r.decidedAt,
          correlationId: r.correlationId,
          transformations: r.transformations.length,
          draft: r.draft,
        };
        ctx.out.result(item, () =>
          [
            table(
              [{ ...item, draft: undefined, reasons: r.reasons.map((x) => x.code) }],
              ['caseId', 'state', 'sourceOrg', 'risk', 'tlp', 'deadline'],
            ),
            '',
            'reasons:',
            ...r.reasons.map((x) => `  ${JSON.stringify(x)}`),
            '',
            `sanitized draft:\n${JSON.stringify(r.draft, null, 2)}`,
          ].join('\n'),
        );
      }),
    );
}
