import type { Alert, AlertFormat, Customer } from '@kyoyu/contracts';
import { deidentify, type DeidentifyResult, type PseudonymKey } from '@kyoyu/deid-engine';
import { normalizeRecord } from '@kyoyu/ingestion-core';
import { EVAL_CUSTOMERS, evalKView } from './registry';
import { stringsOf, type ItemOutcome } from './scorer';
import type { EvalItem } from './types';

export const EVAL_KEY: PseudonymKey = {
  id: 'eval-k1',
  secret: Buffer.from('kyoyu-eval-secret-0123456789abcdef'),
};
export const EVAL_NOW = new Date('2025-03-10T00:00:00.000Z');

/** An evaluation item normalised by the real ingestion parsers: the engine's input. */
export interface PreparedItem {
  item: EvalItem;
  alert: Alert;
  customer: Customer;
}

export class EvalPreparationError extends Error {
  constructor(
    readonly itemId: string,
    readonly format: AlertFormat,
    readonly reason: string,
  ) {
    super(`EVAL.NOT_NORMALIZED ${itemId} (${format}): ${reason}`);
  }
}

/** Raw records through `normalizeRecord`, as the ingestion stage would; a rejection is an error in the set. */
export function prepare(items: readonly EvalItem[]): PreparedItem[] {
  const byId = new Map(EVAL_CUSTOMERS.map((c) => [c.registry.id, c.registry]));
  return items.map((item) => {
    const out = normalizeRecord({
      value: Buffer.from(item.raw, 'utf8'),
      formatHint: item.format,
      sourceOrg: item.sourceOrg,
      receivedAt: new Date(item.receivedAt),
    });
    if (out.kind !== 'normalized') throw new EvalPreparationError(item.id, item.format, out.reason);
    const customer = byId.get(item.sourceOrg);
    if (!customer) throw new EvalPreparationError(item.id, item.format, 'unknown customer');
    return { item, alert: out.alert, customer };
  });
}

const KVIEW = evalKView();

/** The engine (which ends with its independent egress-guard pass over the serialized event) on one item. */
export function deidentifyItem(p: PreparedItem): DeidentifyResult {
  return deidentify({ alert: p.alert, customer: p.customer, key: EVAL_KEY, kView: KVIEW, now: EVAL_NOW });
}

/** The engine's outcome on one item as the scorer reads it: every string it would release or hold. */
export function runEngine(p: PreparedItem): ItemOutcome & { reasons: string[] } {
  return outcomeOf(deidentifyItem(p));
}

export function outcomeOf(r: DeidentifyResult): ItemOutcome & { reasons: string[] } {
  const produced = stringsOf(r.event);
  const held = r.decision === 'hold';
  return { released: held ? null : produced, produced, held, reasons: r.reasons.map((x) => x.code) };
}
