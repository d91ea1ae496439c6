/**
 * kafkajs gave every Encoder (one per record, batch, partition and topic of a produce request) a new zero-filled
 * ArrayBuffer, and another each time one grew; their allocation was about half of the CPU of encoding a
 * 50-topic request of STIX bundles. patches/kafkajs+2.2.4.patch, applied by `npm install`, carves them out of
 * shared slabs, and writes varints in place instead of making a Buffer of each. These tests fail when the patch
 * did not apply, when two encoders' bytes could overlap, or when a varint is written differently.
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

  it('writes varints in place, byte for byte as kafkajs did, and its decoder reads them back', () => {
    // LEB128 of the zigzag value, as kafkajs wrote it before the patch (through a Buffer of the bytes).
    const leb128 = (value: number): number[] => {
      const bytes: number[] = [];
      for (; (value & 0xffffff80) !== 0; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
      return [...bytes, value & 0x7f];
    };
    const zigzag = (value: number) => (value << 1) ^ (value >> 31);
    const values = [
      0,
      1,
      -1,
      63,
      -64,
      64,
      -65,
      127,
      128,
      300,
      16_383,
      16_384,
      2 ** 21,
      2 ** 28,
      2 ** 31 - 1,
      -(2 ** 31),
    ];
    const allocations = jest.spyOn(Buffer, 'from');
    const encoder = new Encoder();
    try {
      for (const v of values) encoder.writeVarInt(v);
      // Past the initial 512 bytes, so some varints land across a growth of the buffer.
      for (let v = 0; v < 400; v++) encoder.writeUVarInt(v * 40_503);
      expect(allocations).not.toHaveBeenCalled();
    } finally {
      allocations.mockRestore();
    }
    const unsigned = Array.from({ length: 400 }, (_, v) => v * 40_503);
    expect([...encoder.buffer]).toEqual([...values.map(zigzag), ...unsigned].flatMap(leb128));
    const decoder = new Decoder(encoder.buffer);
    expect(values.map(() => decoder.readVarInt())).toEqual(values);
    expect(unsigned.map(() => decoder.readUVarInt())).toEqual(unsigned);
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
