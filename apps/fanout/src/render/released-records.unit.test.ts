import { Topics, encodeEvent, sha256Hex, type SanitizedEvent } from '@kyoyu/contracts';
import { demoRegistry } from '@kyoyu/simulator';
import { renderBundle } from '@kyoyu/stix';
import { loadConfig } from '@kyoyu/config';
import { FanoutConfig } from '../config';
import { BundleRenderer } from './bundle-renderer';
import { pack, unpack } from './packed-bytes';
import { sanitizedEvent as event } from './fixtures.test-support';
import { prepareReleasedRecords, type RegistrySnapshot } from './released-records';

const producer = { name: 'SOC' };
const customers = demoRegistry();

function record(e: SanitizedEvent): Buffer {
  return encodeEvent(Topics.EventsReleased, {
    id: `rel-${e.eventId}`,
    type: 'EventReleased',
    schemaVersion: 1,
    correlationId: `corr-${e.eventId}`,
    occurredAt: '2026-11-20T02:00:00.000Z',
    data: { event: e, route: 'automatic', releasedAt: '2026-11-20T02:00:00.000Z' },
  });
}

function task(values: Array<Buffer | null>, registry: RegistrySnapshot) {
  return { kind: 'released-records' as const, values: pack(values), producer, registry };
}

describe('prepareReleasedRecords', () => {
  // A generation no other test uses: the compiled registry is kept per thread (here, per test file).
  let generation = 100;
  const registry = (): Required<RegistrySnapshot> => ({ generation: ++generation, customers });

  it('gives every record its outcome in place, and each ready one the exact bytes and sha256 of its bundle', () => {
    const leaking = event(2, { title: 'Beacon to Sakura Seiki file server' });
    const embargoed = event(3, {
      distribution: {
        tlp: 'green',
        audience: { kind: 'all' },
        agreementVersion: 1,
        embargoUntil: '2026-11-21T00:00:00.000Z',
      },
    });
    const values = [
      record(event(1)),
      record(leaking),
      Buffer.from('{not json'),
      null,
      record(embargoed),
      record(event(5, { observedAt: 'not a time' })),
      record(event(6)),
    ];
    const batch = prepareReleasedRecords(task(values, registry()), Date.parse('2026-11-20T03:00:00.000Z'));

    expect(batch.stale).toBe(false);
    expect(batch.outcomes.map((o) => o.kind)).toEqual([
      'ready',
      'held',
      'invalid',
      'invalid',
      'embargoed',
      'unrenderable',
      'ready',
    ]);
    expect(batch.outcomes[1]).toMatchObject({
      hits: expect.arrayContaining([{ kind: 'org-name', view: 'json' }]),
    });
    expect(batch.outcomes[2]).toEqual({ kind: 'invalid', issues: ['(root): not JSON'] });
    expect(batch.outcomes[3]).toEqual({ kind: 'invalid', issues: ['(root): empty value'] });
    expect(batch.outcomes[4]).toMatchObject({ until: Date.parse('2026-11-21T00:00:00.000Z') });
    expect(batch.outcomes[5]).toMatchObject({ error: 'event observedAt is not a timestamp' });

    const bundles = unpack(batch.bundles);
    let bundleBytes = 0;
    for (const [i, n] of [
      [0, 1],
      [6, 6],
    ] as const) {
      const o = batch.outcomes[i];
      if (o?.kind !== 'ready') throw new Error('expected a ready record');
      const expected = JSON.stringify(renderBundle(event(n), producer));
      expect(bundles[i]?.toString('utf8')).toBe(expected);
      expect(o.contentHash).toBe(sha256Hex(expected));
      expect(o.release.event.eventId).toBe(`e${n}`);
      bundleBytes += bundles[i]?.length ?? 0;
    }
    // Only the ready records have bundles, and nothing else is in the batch's bytes.
    expect(bundles.map((b) => b !== null)).toEqual([true, false, false, false, false, false, true]);
    expect(bundleBytes).toBe(batch.bundles.bytes.length);
  });

  it('does nothing and says so when it lacks the task’s registry generation, then keeps the one it was given', () => {
    const r = registry();
    const values = [record(event(1))];
    expect(prepareReleasedRecords(task(values, { generation: r.generation }))).toMatchObject({
      stale: true,
      outcomes: [],
    });
    expect(prepareReleasedRecords(task(values, r)).outcomes.map((o) => o.kind)).toEqual(['ready']);
    expect(prepareReleasedRecords(task(values, { generation: r.generation })).stale).toBe(false);
  });

  it('checks against the generation it is given, not one it compiled before', () => {
    const leaking = [record(event(2, { title: 'Beacon to Sakura Seiki file server' }))];
    expect(prepareReleasedRecords(task(leaking, registry())).outcomes[0]?.kind).toBe('held');
    const withoutSakura = {
      generation: ++generation,
      customers: customers.filter((c) => c.id !== 'cust-sakura'),
    };
    expect(prepareReleasedRecords(task(leaking, withoutSakura)).outcomes[0]?.kind).toBe('ready');
  });
});

describe('BundleRenderer.prepareRecords', () => {
  // The threads themselves run the built worker (dist/), in the fan-out integration suite.
  it('on the event loop (RENDER_THREADS=0) prepares records as a thread would', async () => {
    const threads = 0;
    const config = loadConfig('fanout', FanoutConfig, {
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://u@h/db',
      RENDER_THREADS: String(threads),
      PRODUCER_NAME: 'SOC',
    });
    const renderer = new BundleRenderer(config);
    try {
      const values = [1, 2, 3, 4].map((n) =>
        record(event(n, n === 3 ? { title: 'Beacon to Sakura Seiki file server' } : {})),
      );
      // A first generation, then a second one: every thread needs each once.
      for (const generation of [1, 2]) {
        const out = await renderer.prepareRecords(values, { generation, customers });
        expect(out.map((o) => o.kind)).toEqual(['ready', 'ready', 'held', 'ready']);
        const first = out[0];
        if (first?.kind !== 'ready') throw new Error('expected a ready record');
        expect(first.bundle.toString('utf8')).toBe(JSON.stringify(renderBundle(event(1), producer)));
      }
    } finally {
      await renderer.onModuleDestroy();
    }
  });
});
