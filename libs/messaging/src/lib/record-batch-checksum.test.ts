/**
 * kafkajs checksums every record batch it produces (CRC-32C) in JavaScript, a byte at a time: 19 µs for
 * one 8.7 KB STIX bundle, paid once per subscriber topic. patches/kafkajs+2.2.4.patch, applied by
 * `npm install`, gives it @node-rs/crc32's native CRC-32C instead. These tests fail when the patch did not
 * apply, or when the native checksum differs from kafkajs' own anywhere a batch could put it.
 */
import { randomBytes } from 'node:crypto';
import { Record, RecordBatch, batchChecksums, checksum, table } from './kafkajs-internals.test-support';

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
    const { carried, computed } = batchChecksums((await RecordBatch({ records })).buffer);
    expect(carried).toBe(computed);
  });
});
