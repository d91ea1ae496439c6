/**
 * kafkajs gave every Encoder (one per record, batch, partition and topic of a produce request) a new zero-filled
 * ArrayBuffer, and another each time one grew; their allocation was about half of the CPU of encoding a
 * 50-topic request of STIX bundles. patches/kafkajs+2.2.4.patch, applied by `npm install`, carves them out of
 * shared slabs. These tests fail when the patch did not apply, or when two encoders' bytes could overlap.
 */
import { randomBytes } from 'node:crypto';
import {
  Decoder,
  Encoder,
  Record,
  RecordBatch,
  batchChecksums,
  decodeBatch,
} from './kafkajs-internals.test-support';

describe('the encoder kafkajs builds requests with', () => {
  it('takes its buffers from a shared slab (the patch applied)', () => {
    expect(new Encoder().buf.buffer).toBe(new Encoder().buf.buffer);
  });

  it('gives each batch its own bytes, across slabs and across the sizes that bypass them', async () => {
    // All alive at once, as a produce request's batches are until it is sent: 300 batches of up to 60 KB span
    // many slabs, and the batches over a slab's share take buffers of their own.
    const inputs = Array.from({ length: 300 }, (_, b) =>
      [0, 1, 2].map((i) => ({
        key: Buffer.from(`event-${b}-${i}`),
        value: randomBytes(1 + ((b * 7_919 + i * 104_729) % 20_000)),
      })),
    );
    const encoded = await Promise.all(
      inputs.map((records) =>
        RecordBatch({ records: records.map((r, offsetDelta) => Record({ ...r, offsetDelta })) }),
      ),
    );
    for (const [b, { buffer }] of encoded.entries()) {
      const { carried, computed } = batchChecksums(buffer);
      expect(carried).toBe(computed);
      const { records } = await decodeBatch(new Decoder(buffer));
      const sent = inputs[b] ?? [];
      expect(records).toHaveLength(sent.length);
      // Buffer.equals: jest's deep equality walks 20 KB buffers byte by byte.
      const differing = records.filter(
        (r, i) =>
          !r.key.equals(sent[i]?.key ?? Buffer.alloc(0)) ||
          !r.value.equals(sent[i]?.value ?? Buffer.alloc(0)),
      );
      expect(differing).toHaveLength(0);
    }
  });
});
