/**
 * kafkajs gave every Encoder (one per record, batch, partition and topic of a produce request) a new zero-filled
 * ArrayBuffer, and another each time one grew; their allocation was about half of the CPU of encoding a
 * 50-topic request of STIX bundles. patches/kafkajs+2.2.4.patch, applied by `npm install`, carves them out of
 * shared slabs. These tests fail when the patch did not apply, or when two encoders' bytes could overlap.
 */
import { randomBytes } from 'node:crypto';

const load = (path: string): unknown => require(path) as unknown;
const Encoder = load('kafkajs/src/protocol/encoder') as new () => { buf: Buffer; buffer: Buffer };
const Decoder = load('kafkajs/src/protocol/decoder') as new (bytes: Buffer) => unknown;
const table = load('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (bytes: Buffer) => number;
const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
};
const decodeBatch = load('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: Array<{ key: Buffer; value: Buffer }> }>;
const Record = load('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key: Buffer;
  value: Buffer;
  offsetDelta: number;
}) => unknown;

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
      // FirstOffset (8), Length (4), PartitionLeaderEpoch (4), Magic (1), then the CRC of everything after it.
      expect(buffer.readUInt32BE(17)).toBe(table(buffer.subarray(21)));
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
