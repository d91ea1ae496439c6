import { generateEvalSet } from './dataset';
import { prepare, runEngine } from './run-engine';
import { type ItemOutcome, missedTargets, score } from './scorer';

// The quality gate of `npm run eval:deid`, also in the unit suite so a regression fails `npm test`.
describe('the de-identification engine on the evaluation set', () => {
  const items = generateEvalSet();
  const outcomes = new Map<string, ItemOutcome>();
  for (const p of prepare(items)) outcomes.set(p.item.id, runEngine(p));
  const s = score(items, outcomes);

  test('meets every target: 0 leaks, retention, technique recall, clean held, traps held', () => {
    expect({ leaks: s.leakRecords, missed: missedTargets(s) }).toEqual({ leaks: [], missed: [] });
  });

  test('releases most alerts (the targets are not met by holding everything)', () => {
    expect(s.counts.clean.total - s.counts.clean.held).toBeGreaterThan(items.length * 0.8);
  });
});
