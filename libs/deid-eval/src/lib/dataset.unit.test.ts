import { FORMATS, generateEvalSet } from './dataset';
import { encode } from './encoders';
import { EVAL_CUSTOMERS } from './registry';
import { findLeaks } from './scorer';
import { prepare } from './run-engine';
import { HIDING_PLACES } from './types';

const unescapeCef = (s: string): string =>
  s.replace(/\\([=\\|n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

describe('generateEvalSet', () => {
  const items = generateEvalSet();

  test('is deterministic for a seed and differs across seeds', () => {
    expect(generateEvalSet().map((i) => i.raw)).toEqual(items.map((i) => i.raw));
    expect(generateEvalSet({ seed: 7 }).map((i) => i.raw)).not.toEqual(items.map((i) => i.raw));
  });

  test('covers every hiding place in every format, with traps and clean alerts', () => {
    for (const place of HIDING_PLACES)
      for (const format of FORMATS)
        expect(items.some((i) => i.place === place && i.format === format)).toBe(true);
    expect(items.filter((i) => i.category === 'trap').every((i) => i.truth.mustHold)).toBe(true);
    expect(items.filter((i) => i.category === 'clean').length).toBeGreaterThanOrEqual(50);
  });

  test("a lookalike trap never uses one of the victim's own domains", () => {
    for (const seed of [1, 5, 7]) {
      for (const i of generateEvalSet({ seed, perPlaceAndFormat: 5 }).filter(
        (x) => x.place === 'trap-lookalike',
      )) {
        const own = EVAL_CUSTOMERS.find((c) => c.registry.id === i.sourceOrg)?.registry.domains ?? [];
        for (const d of own) expect(i.raw).not.toContain(`https://${encode.punycode(d)}/`);
      }
    }
  });

  test('planted items carry planted identifiers', () => {
    for (const i of items.filter(
      (x) => x.category === 'planted' && x.place !== 'path' && x.place !== 'quasi-identifiers',
    ))
      expect(i.truth.secrets.some((s) => s.planted)).toBe(true);
  });

  test('every planted identifier is really in its raw record (in some decoded form)', () => {
    const missing = items.flatMap((i) =>
      i.truth.secrets
        .filter((s) => s.planted)
        .filter((s) => findLeaks([i.format === 'cef' ? unescapeCef(i.raw) : i.raw], [s]).length === 0)
        .map((s) => `${i.id}:${s.kind}`),
    );
    expect(missing).toEqual([]);
  });

  test('every record is accepted by the real ingestion parsers and keeps its expected techniques', () => {
    const prepared = prepare(items);
    expect(prepared).toHaveLength(items.length);
    for (const p of prepared) {
      const ids = p.alert.techniques.map((t) => t.id);
      for (const t of p.item.truth.techniques) expect(ids).toContain(t);
    }
  });
});
