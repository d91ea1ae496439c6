/**
 * `npm run eval:deid` — the de-identification quality gate. Generates the labelled evaluation set, runs every
 * raw record through the real ingestion parsers and the engine (with its egress guard), scores the released
 * output against the ground truth, prints the five figures with their targets, writes
 * bench/results/deid-eval.json and exits 1 when a target is missed. Never prints an identifier: failures
 * are reported by item id, format and hiding place. Options: `--seed N` (other combinations of the same
 * templates), `--per N` (items per hiding place and format; default 3, clean alerts four times that).
 */
import {
  generateEvalSet,
  type ItemOutcome,
  missedTargets,
  prepare,
  runEngine,
  score,
  type Scores,
  TARGETS,
} from '@kyoyu/deid-eval';
import { parseArgs } from 'node:util';
import { table, writeResults } from './lib/measure';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function breakdown(rows: Array<{ format: string; place: string }>): Array<Record<string, string | number>> {
  const by = new Map<string, number>();
  for (const r of rows)
    by.set(`${r.format}\u0000${r.place}`, (by.get(`${r.format}\u0000${r.place}`) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => {
      const [format, place] = k.split('\u0000') as [string, string];
      return { format, place, items: n };
    });
}

function printFailures(s: Scores): void {
  const sections: Array<[string, Array<{ itemId: string; format: string; place: string; kind?: string }>]> = [
    ['leaks (item, format, hiding place, identifier kind)', s.leakRecords],
    ['indicators not retained', s.retentionMisses],
    ['techniques missing', s.techniqueMisses],
    ['clean alerts held', s.heldClean],
    ['traps released', s.missedTraps],
  ];
  for (const [title, rows] of sections) {
    if (rows.length === 0) continue;
    console.log(`\n${title}: ${rows.length}`);
    console.log(table(breakdown(rows)));
    console.log(
      `  items: ${rows
        .slice(0, 40)
        .map((r) => `${r.itemId}${r.kind ? `:${r.kind}` : ''}`)
        .join(' ')}${rows.length > 40 ? ' …' : ''}`,
    );
  }
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, per: { type: 'string' } } });
  const items = generateEvalSet({
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    ...(values.per ? { perPlaceAndFormat: Number(values.per) } : {}),
  });
  const prepared = prepare(items);
  const outcomes = new Map<string, ItemOutcome>();
  const holdReasons = new Map<string, number>();
  for (const p of prepared) {
    const o = runEngine(p);
    outcomes.set(p.item.id, o);
    for (const r of o.reasons) holdReasons.set(r, (holdReasons.get(r) ?? 0) + 1);
  }
  const s = score(items, outcomes);
  const missed = missedTargets(s);
  const perFormat = new Map<string, number>();
  for (const i of items) perFormat.set(i.format, (perFormat.get(i.format) ?? 0) + 1);
  console.log(
    `de-identification evaluation: ${items.length} items (${[...perFormat].map(([f, n]) => `${f} ${n}`).join(', ')}); ` +
      `${s.counts.clean.total} non-trap, ${s.counts.traps.total} traps`,
  );
  console.log(
    table([
      {
        figure: 'leaks',
        value: s.leaks,
        target: `= ${TARGETS.leaks}`,
        ok: s.leaks <= TARGETS.leaks ? 'yes' : 'NO',
      },
      {
        figure: 'indicator retention',
        value: `${pct(s.indicatorRetention)} (${s.counts.indicators.retained}/${s.counts.indicators.expected})`,
        target: `>= ${pct(TARGETS.indicatorRetention)}`,
        ok: missed.includes('indicatorRetention') ? 'NO' : 'yes',
      },
      {
        figure: 'technique recall',
        value: `${pct(s.techniqueRecall)} (${s.counts.techniques.found}/${s.counts.techniques.expected})`,
        target: `>= ${pct(TARGETS.techniqueRecall)}`,
        ok: missed.includes('techniqueRecall') ? 'NO' : 'yes',
      },
      {
        figure: 'clean alerts held',
        value: `${pct(s.cleanHeldRate)} (${s.counts.clean.held}/${s.counts.clean.total})`,
        target: `<= ${pct(TARGETS.cleanHeldRate)}`,
        ok: missed.includes('cleanHeldRate') ? 'NO' : 'yes',
      },
      {
        figure: 'traps held',
        value: `${pct(s.trapHoldRecall)} (${s.counts.traps.held}/${s.counts.traps.total})`,
        target: `= ${pct(TARGETS.trapHoldRecall)}`,
        ok: missed.includes('trapHoldRecall') ? 'NO' : 'yes',
      },
    ]),
  );
  console.log(
    `hold reasons: ${
      [...holdReasons]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  printFailures(s);
  const file = writeResults('deid-eval', {
    items: items.length,
    perFormat: Object.fromEntries(perFormat),
    targets: TARGETS,
    figures: {
      leaks: s.leaks,
      leakedItems: s.leakedItems,
      indicatorRetention: s.indicatorRetention,
      techniqueRecall: s.techniqueRecall,
      cleanHeldRate: s.cleanHeldRate,
      trapHoldRecall: s.trapHoldRecall,
    },
    counts: s.counts,
    holdReasons: Object.fromEntries(holdReasons),
    failures: {
      leaks: s.leakRecords,
      retention: s.retentionMisses,
      techniques: s.techniqueMisses,
      heldClean: s.heldClean,
      missedTraps: s.missedTraps,
    },
    missedTargets: missed,
  });
  console.log(`\nwritten ${file}`);
  if (missed.length > 0) {
    console.log(`targets missed: ${missed.join(', ')}`);
    process.exitCode = 1;
  } else console.log('all targets met');
}

main();
