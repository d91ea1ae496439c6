import {
  ContractViolation,
  Topics,
  decodeEvent,
  sha256Hex,
  type Customer,
  type ReleasedEvent,
} from '@kyoyu/contracts';
import {
  egressGuardValue,
  registryDictionary,
  type GuardHit,
  type VictimDictionary,
} from '@kyoyu/deid-engine';
import { renderBundle, type Producer } from '@kyoyu/stix';

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
  /** The records' values back to back: one copy across threads, where decoded events would be cloned. */
  values: Uint8Array;
  /** End offset of each record's value in `values`; -1 for a record without a value. */
  ends: number[];
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
  /** Ready to route: its bundle ends at `end` in the batch's `bytes` (and starts where the last one ended). */
  | { kind: 'ready'; release: ReleasedEvent; end: number; contentHash: string };

export interface ReleasedRecordsBatch {
  /** The thread lacked the task's registry generation and the task did not carry it: nothing was done. */
  stale: boolean;
  outcomes: ReleasedRecordOutcome[];
  bytes: Uint8Array;
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
  if (!dict) return { stale: true, outcomes: [], bytes: new Uint8Array(0) };
  const whole = Buffer.from(task.values.buffer, task.values.byteOffset, task.values.byteLength);
  const parts: Buffer[] = [];
  let end = 0;
  let start = 0;
  const outcomes = task.ends.map((valueEnd): ReleasedRecordOutcome => {
    const value = valueEnd < 0 ? null : whole.subarray(start, valueEnd);
    if (valueEnd >= 0) start = valueEnd;
    let release: ReleasedEvent;
    try {
      release = decodeEvent(Topics.EventsReleased, value).data;
    } catch (err) {
      return {
        kind: 'invalid',
        issues: err instanceof ContractViolation ? err.issues : ['(root): undecodable'],
      };
    }
    const guard = egressGuardValue(release.event, dict);
    if (!guard.ok) return { kind: 'held', release, hits: guard.hits };
    const until = embargoedUntil(release, now);
    if (until) return { kind: 'embargoed', release, until: until.getTime() };
    try {
      const bundle = Buffer.from(JSON.stringify(renderBundle(release.event, task.producer)), 'utf8');
      parts.push(bundle);
      end += bundle.length;
      return { kind: 'ready', release, end, contentHash: sha256Hex(bundle) };
    } catch (err) {
      return {
        kind: 'unrenderable',
        release,
        error: err instanceof Error ? err.message : 'unrenderable event',
      };
    }
  });
  return { stale: false, outcomes, bytes: Buffer.concat(parts, end) };
}

/** When the agreement's embargo still holds the release back; undefined when it may go now. */
export function embargoedUntil(release: ReleasedEvent, now = Date.now()): Date | undefined {
  const until = release.event.distribution.embargoUntil;
  if (!until) return undefined;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now ? new Date(t) : undefined;
}
