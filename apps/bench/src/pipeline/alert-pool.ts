import { Headers, Topics } from '@kyoyu/contracts';
import { simulateAlerts, type SimCustomer } from '@kyoyu/simulator';
import type { Message } from 'kafkajs';

/**
 * Simulated alerts are costly to render (about 17k/s on one core), so the driver renders a pool once and
 * makes each record unique by filling two slots: the attacker address (the marker traced into bundles) and
 * the alert's native id (so ingestion's duplicate check sees a new alert, as it would in production).
 */
interface Template {
  segments: string[];
  slots: Array<'marker' | 'id'>;
  nativeId: string;
  sourceOrg: string;
}

function nativeIdOf(format: string, value: string): string | undefined {
  if (format === 'cef') return /externalId=(\S+)/.exec(value)?.[1];
  if (format === 'suricata') return undefined; // identified by its bytes, which the marker already changes
  const doc = JSON.parse(value) as Record<string, unknown>;
  if (format === 'ecs') return doc['kibana.alert.uuid'] as string | undefined;
  if (format === 'ocsf') return (doc['metadata'] as { uid?: string } | undefined)?.uid;
  if (format === 'wazuh') return doc['id'] as string | undefined;
  return undefined;
}

function templateOf(format: string, value: string, attacker: string, sourceOrg: string): Template {
  const nativeId = nativeIdOf(format, value) ?? '';
  const segments: string[] = [];
  const slots: Template['slots'] = [];
  const pieces = value.split(attacker);
  for (const [i, piece] of pieces.entries()) {
    const inner = nativeId ? piece.split(nativeId) : [piece];
    for (const [j, s] of inner.entries()) {
      segments.push(s);
      if (j < inner.length - 1) slots.push('id');
    }
    if (i < pieces.length - 1) slots.push('marker');
  }
  return { segments, slots, nativeId, sourceOrg };
}

/** The marker of the g-th record of a run: a unique public address. */
export function benchMarker(g: number): string {
  return `45.${(g >>> 16) & 255}.${(g >>> 8) & 255}.${g & 255}`;
}

export const MARKER_PATTERN = /45\.\d{1,3}\.\d{1,3}\.\d{1,3}/;

export class AlertPool {
  private readonly templates: Template[] = [];
  private next = 0;

  constructor(customers: SimCustomer[], size = 5000, seed = 7) {
    for (const a of simulateAlerts({ seed, count: size, customers })) {
      const ip = a.truth.attackerIndicators.find((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x));
      if (ip) this.templates.push(templateOf(a.format, a.value, ip, a.sourceOrg));
    }
  }

  /** Record number g (unique for the run) as a raw-topic message, and its marker. */
  message(g: number): { marker: string; message: Message } {
    const t = this.templates[this.next++ % this.templates.length] as Template;
    const marker = benchMarker(g);
    const id = `${t.nativeId}.${g}`;
    let value = t.segments[0] ?? '';
    for (let i = 0; i < t.slots.length; i++)
      value += (t.slots[i] === 'marker' ? marker : id) + (t.segments[i + 1] ?? '');
    return { marker, message: { key: t.sourceOrg, value, headers: { [Headers.SourceOrg]: t.sourceOrg } } };
  }
}

export const RAW_TOPIC = Topics.AlertsRaw;
