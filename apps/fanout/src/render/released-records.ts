import { ContractViolation, Topics, decodeEvent, type Customer, type ReleasedEvent } from '@kyoyu/contracts';
import {
  egressGuardValue,
  registryDictionary,
  type GuardHit,
  type VictimDictionary,
} from '@kyoyu/deid-engine';
import type { Producer } from '@kyoyu/stix';
import { pack, unpack, type PackedBytes } from './packed-bytes';
import { renderBundleBytes, renderError } from './rendered-bundles';

/**
 * The customer registry a batch is checked against. A render thread keeps the last one it compiled, so the
 * customers travel with a task only when the thread does not have that generation yet (see `stale`).
 */
export interface RegistrySnapshot {
  generation: number;
  customers?: readonly Customer[];
}

export interface ReleasedRecordsTask {
  kind: 'released-records';
  /**
   * The records' values (missing where a record has none): one copy across threads, where decoded events
   * would be cloned.
   */
  values: PackedBytes;
  producer: Producer;
  registry: RegistrySnapshot;
}

/** What became of one consumed record of events.released.v1; releases are returned decoded. */
export type ReleasedRecordOutcome =
  /** It broke the topic's contract: paths and issue codes only (see ContractViolation). */
  | { kind: 'invalid'; issues: string[] }
  /** The egress guard saw a registered customer's identifier in it: kinds and views, never the value. */
  | { kind: 'held'; release: ReleasedEvent; hits: GuardHit[] }
  /** Its agreement's embargo still holds it back until this time (epoch ms). */
  | { kind: 'embargoed'; release: ReleasedEvent; until: number }
  | { kind: 'unrenderable'; release: ReleasedEvent; error: string }
  /** Ready to route: its bundle is at the same position in the batch's `bundles`. */
  | { kind: 'ready'; release: ReleasedEvent; contentHash: string };

export interface ReleasedRecordsBatch {
  /** The thread lacked the task's registry generation and the task did not carry it: nothing was done. */
  stale: boolean;
  outcomes: ReleasedRecordOutcome[];
  /** The bundle of each ready record, by position (missing for the others). */
  bundles: PackedBytes;
}

let compiled: { generation: number; dict: VictimDictionary } | undefined;

function dictionaryFor(registry: RegistrySnapshot): VictimDictionary | undefined {
  if (compiled?.generation === registry.generation) return compiled.dict;
  if (!registry.customers) return undefined;
  compiled = { generation: registry.generation, dict: registryDictionary(registry.customers) };
  return compiled.dict;
}

/**
 * Fan-out's work on consumed releases that needs no I/O, on a render thread: decode and validate each record,
 * check it with the egress guard against every registered customer, look at its embargo, render and hash
 * the bundle of each one that may go now. One bad record is reported in its place and does not fail the others.
 */
export function prepareReleasedRecords(task: ReleasedRecordsTask, now = Date.now()): ReleasedRecordsBatch {
  const dict = dictionaryFor(task.registry);
  if (!dict) return { stale: true, outcomes: [], bundles: pack([]) };
  const bundles: Array<Buffer | null> = [];
  const outcomes = unpack(task.values).map((value): ReleasedRecordOutcome => {
    const outcome = prepareOne(value, dict, task.producer, now);
    bundles.push(outcome.bundle);
    return outcome.outcome;
  });
  return { stale: false, outcomes, bundles: pack(bundles) };
}

function prepareOne(
  value: Buffer | null,
  dict: VictimDictionary,
  producer: Producer,
  now: number,
): { outcome: ReleasedRecordOutcome; bundle: Buffer | null } {
  let release: ReleasedEvent;
  try {
    release = decodeEvent(Topics.EventsReleased, value).data;
  } catch (err) {
    const issues = err instanceof ContractViolation ? err.issues : ['(root): undecodable'];
    return { outcome: { kind: 'invalid', issues }, bundle: null };
  }
  const guard = egressGuardValue(release.event, dict);
  if (!guard.ok) return { outcome: { kind: 'held', release, hits: guard.hits }, bundle: null };
  const until = embargoedUntil(release, now);
  if (until) return { outcome: { kind: 'embargoed', release, until: until.getTime() }, bundle: null };
  try {
    const { bundle, contentHash } = renderBundleBytes(release.event, producer);
    return { outcome: { kind: 'ready', release, contentHash }, bundle };
  } catch (err) {
    return { outcome: { kind: 'unrenderable', release, error: renderError(err) }, bundle: null };
  }
}

/** When the agreement's embargo still holds the release back; undefined when it may go now. */
export function embargoedUntil(release: ReleasedEvent, now = Date.now()): Date | undefined {
  const until = release.event.distribution.embargoUntil;
  if (!until) return undefined;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now ? new Date(t) : undefined;
}
