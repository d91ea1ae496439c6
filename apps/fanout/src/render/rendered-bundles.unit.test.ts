import { sha256Hex, type SanitizedEvent } from '@kyoyu/contracts';
import { renderBundle } from '@kyoyu/stix';
import { loadConfig } from '@kyoyu/config';
import { FanoutConfig } from '../config';
import { BundleRenderer } from './bundle-renderer';
import { sanitizedEvent as event } from './fixtures.test-support';
import { renderBatch, unpackBatch } from './rendered-bundles';

const producer = { name: 'SOC' };

describe('renderBatch / unpackBatch', () => {
  it('gives each event the exact bytes and sha256 of its bundle, in order', () => {
    const events = [1, 2, 3].map((n) => event(n));
    const out = unpackBatch(renderBatch({ events, producer }));
    expect(out).toHaveLength(3);
    out.forEach((r, i) => {
      const expected = JSON.stringify(renderBundle(events[i] as SanitizedEvent, producer));
      if ('error' in r) throw new Error(r.error);
      expect(r.bundle.toString('utf8')).toBe(expected);
      expect(r.contentHash).toBe(sha256Hex(expected));
    });
  });

  it('reports an event the renderer refuses in its place and keeps the others', () => {
    const events = [event(1), event(2, { observedAt: 'not a time' }), event(3)];
    const out = unpackBatch(renderBatch({ events, producer }));
    expect(out[1]).toEqual({ error: 'event observedAt is not a timestamp' });
    for (const i of [0, 2]) {
      const r = out[i];
      if (!r || 'error' in r) throw new Error('expected a bundle');
      expect(JSON.parse(r.bundle.toString('utf8')).id).toBe(
        renderBundle(events[i] as SanitizedEvent, producer).id,
      );
    }
  });
});

describe('BundleRenderer', () => {
  it('renders on the event loop with RENDER_THREADS=0, as the threads would', async () => {
    const config = loadConfig('fanout', FanoutConfig, {
      KAFKA_BROKERS: '127.0.0.1:9092',
      DATABASE_URL: 'postgres://u@h/db',
      RENDER_THREADS: '0',
      PRODUCER_NAME: 'SOC',
    });
    const renderer = new BundleRenderer(config);
    const [r] = await renderer.render([event(7)]);
    if (!r || 'error' in r) throw new Error('expected a bundle');
    expect(r.bundle.toString('utf8')).toBe(JSON.stringify(renderBundle(event(7), producer)));
    await renderer.onModuleDestroy();
  });
});
