/**
 * kafkajs checksums every record batch it produces (CRC-32C) in JavaScript, a byte at a time: 19 µs for
 * one 8.7 KB STIX bundle, paid once per subscriber topic. patches/kafkajs+2.2.4.patch, applied by
 * `npm install`, gives it @node-rs/crc32's native CRC-32C instead. These tests fail when the patch did not
 * apply, or when the native checksum differs from kafkajs' own anywhere a batch could put it.
 */
import { randomBytes } from 'node:crypto';

type Checksum = (bytes: Buffer) => number;
const load = (path: string): unknown => require(path) as unknown;
const checksum = load('kafkajs/src/protocol/recordBatch/crc32C') as Checksum & { native?: boolean };
const table = load('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as Checksum;
const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
};
const Record = load('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key: Buffer;
  value: Buffer;
  offsetDelta: number;
}) => unknown;

describe('the record batch checksum kafkajs uses', () => {
  it('is the native one (the patch applied)', () => {
    expect(checksum.native).toBe(true);
  });

  it('gives the CRC-32C check value', () => {
    // The catalogued check value of CRC-32/ISCSI (Castagnoli): the checksum of the ASCII bytes "123456789".
    expect(checksum(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('agrees with kafkajs’ table on empty, short, odd-sized and large inputs, and on views', () => {
    const backing = randomBytes(1 << 20);
    for (const size of [0, 1, 3, 7, 8, 15, 64, 1023, 8_700, 65_537, 1 << 20]) {
      const whole = backing.subarray(0, size);
      expect(checksum(whole)).toBe(table(whole));
      // kafkajs hands over views into larger buffers: the sum must cover exactly the view's bytes.
      const view = backing.subarray(13, 13 + Math.min(size, backing.length - 13));
      expect(checksum(view)).toBe(table(view));
    }
  });

  it('is what an encoded record batch carries for its bytes', async () => {
    const records = [0, 1, 2].map((offsetDelta) =>
      Record({ key: Buffer.from(`event-${offsetDelta}`), value: randomBytes(8_700), offsetDelta }),
    );
    const { buffer } = await RecordBatch({ records });
    // FirstOffset (8), Length (4), PartitionLeaderEpoch (4), Magic (1), then the CRC of everything after it.
    expect(buffer.readUInt32BE(17)).toBe(table(buffer.subarray(21)));
  });
});
