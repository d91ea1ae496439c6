import { domainToASCII, domainToUnicode } from 'node:url';
import { decodedViews } from './decoders';
import { explodeV6, ipv4Forms } from './encoders';
import type { EvalItem, HidingPlace, Secret } from './types';

/** What a de-identifier did with one item. */
export interface ItemOutcome {
  /** Released output: every string that leaves (empty when held). */
  released: string[] | null;
  /** The engine's output whether released or held (the draft): indicator retention and technique recall. */
  produced: string[];
  held: boolean;
}

export interface LeakRecord {
  itemId: string;
  format: string;
  place: HidingPlace;
  /** The kind of identifier (never its value: these records go to CI logs). */
  kind: string;
}

export interface Scores {
  items: number;
  leaks: number;
  leakedItems: number;
  indicatorRetention: number;
  techniqueRecall: number;
  cleanHeldRate: number;
  trapHoldRecall: number;
  counts: {
    indicators: { expected: number; retained: number };
    techniques: { expected: number; found: number };
    clean: { total: number; held: number };
    traps: { total: number; held: number };
  };
  leakRecords: LeakRecord[];
  /** Items whose expected indicators did not all survive: id, format, place, missing count. */
  retentionMisses: Array<{ itemId: string; format: string; place: HidingPlace; missing: number }>;
  techniqueMisses: Array<{ itemId: string; format: string; place: HidingPlace; missing: number }>;
  heldClean: Array<{ itemId: string; format: string; place: HidingPlace }>;
  missedTraps: Array<{ itemId: string; format: string; place: HidingPlace }>;
}

export const TARGETS = {
  leaks: 0,
  indicatorRetention: 0.97,
  techniqueRecall: 0.99,
  cleanHeldRate: 0.05,
  trapHoldRecall: 1,
} as const;

/** The forms a secret takes in text: case- and width-folded, IDN both ways, IPs in every notation. */
export function secretForms(s: Secret): string[] {
  const v = s.value.normalize('NFKC').toLowerCase();
  const forms = new Set<string>([v]);
  if (s.ip) {
    if (v.includes(':')) {
      forms.add(explodeV6(v));
    } else {
      for (const f of Object.values(ipv4Forms(v))) forms.add(f.toLowerCase());
    }
  } else if (/^[^\s@/\\]+\.[^\s@/\\]+$/.test(v)) {
    const a = domainToASCII(v);
    if (a) forms.add(a.toLowerCase());
    const u = domainToUnicode(a || v);
    if (u) forms.add(u.toLowerCase());
  }
  return [...forms];
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexish(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102);
}

/** True when a form occurs in a view; IP forms must not be part of a longer number. */
function occurs(view: string, form: string, ip: boolean): boolean {
  let from = 0;
  for (;;) {
    const i = view.indexOf(form, from);
    if (i < 0) return false;
    from = i + 1;
    if (!ip) return true;
    const before = i > 0 ? view.charCodeAt(i - 1) : 32;
    const after = i + form.length < view.length ? view.charCodeAt(i + form.length) : 32;
    const hexForm = form.includes(':') || form.startsWith('0x');
    const edge = hexForm ? isHexish : isDigit;
    if (edge(before) || edge(after)) continue;
    if (!hexForm && (before === 46 || after === 46) && form.split('.').length === 4) {
      // `1.10.41.7.5` is not `10.41.7.5`; a dotted form glued to more dotted digits is another number.
      const prev = view.charCodeAt(i - 2);
      const next = view.charCodeAt(i + form.length + 1);
      if ((before === 46 && isDigit(prev)) || (after === 46 && isDigit(next))) continue;
    }
    return true;
  }
}

/** Identifiers of `secrets` found in any decoded view of the texts: returns the kinds found. */
export function findLeaks(texts: readonly string[], secrets: readonly Secret[]): Secret[] {
  if (secrets.length === 0 || texts.length === 0) return [];
  const views = decodedViews(texts.join('\n'));
  const found: Secret[] = [];
  for (const s of secrets) {
    const forms = secretForms(s);
    if (views.some((v) => forms.some((f) => occurs(v, f, s.ip === true)))) found.push(s);
  }
  return found;
}

function contains(texts: readonly string[], needle: string): boolean {
  const n = needle.toLowerCase();
  return texts.some((t) => t.toLowerCase().includes(n));
}

/** Scores outcomes against the ground truth: the five figures and a breakdown that never names a secret. */
export function score(items: readonly EvalItem[], outcomes: ReadonlyMap<string, ItemOutcome>): Scores {
  const s: Scores = {
    items: items.length,
    leaks: 0,
    leakedItems: 0,
    indicatorRetention: 0,
    techniqueRecall: 0,
    cleanHeldRate: 0,
    trapHoldRecall: 0,
    counts: {
      indicators: { expected: 0, retained: 0 },
      techniques: { expected: 0, found: 0 },
      clean: { total: 0, held: 0 },
      traps: { total: 0, held: 0 },
    },
    leakRecords: [],
    retentionMisses: [],
    techniqueMisses: [],
    heldClean: [],
    missedTraps: [],
  };
  for (const item of items) {
    const o = outcomes.get(item.id);
    if (!o) throw new Error(`EVAL.MISSING_OUTCOME ${item.id}`);
    const ref = { itemId: item.id, format: item.format, place: item.place };
    if (o.released) {
      const leaks = findLeaks(o.released, item.truth.secrets);
      s.leaks += leaks.length;
      if (leaks.length) s.leakedItems++;
      for (const l of leaks) s.leakRecords.push({ ...ref, kind: l.kind });
    }
    if (item.truth.mustHold) {
      s.counts.traps.total++;
      if (o.held) s.counts.traps.held++;
      else s.missedTraps.push(ref);
    } else {
      s.counts.clean.total++;
      if (o.held) {
        s.counts.clean.held++;
        s.heldClean.push(ref);
      }
    }
    let missing = 0;
    for (const ind of item.truth.indicators) {
      s.counts.indicators.expected++;
      if (contains(o.produced, ind)) s.counts.indicators.retained++;
      else missing++;
    }
    if (missing) s.retentionMisses.push({ ...ref, missing });
    let tMissing = 0;
    for (const t of item.truth.techniques) {
      s.counts.techniques.expected++;
      if (contains(o.produced, t)) s.counts.techniques.found++;
      else tMissing++;
    }
    if (tMissing) s.techniqueMisses.push({ ...ref, missing: tMissing });
  }
  const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
  s.indicatorRetention = ratio(s.counts.indicators.retained, s.counts.indicators.expected);
  s.techniqueRecall = ratio(s.counts.techniques.found, s.counts.techniques.expected);
  s.cleanHeldRate = s.counts.clean.total === 0 ? 0 : s.counts.clean.held / s.counts.clean.total;
  s.trapHoldRecall = ratio(s.counts.traps.held, s.counts.traps.total);
  return s;
}

/** Which targets a score misses (empty: all met). */
export function missedTargets(s: Scores): string[] {
  const out: string[] = [];
  if (s.leaks > TARGETS.leaks) out.push('leaks');
  if (s.indicatorRetention < TARGETS.indicatorRetention) out.push('indicatorRetention');
  if (s.techniqueRecall < TARGETS.techniqueRecall) out.push('techniqueRecall');
  if (s.cleanHeldRate > TARGETS.cleanHeldRate) out.push('cleanHeldRate');
  if (s.trapHoldRecall < TARGETS.trapHoldRecall) out.push('trapHoldRecall');
  return out;
}

/** Every string value of a JSON-like value (what a subscriber would receive). */
export function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}
