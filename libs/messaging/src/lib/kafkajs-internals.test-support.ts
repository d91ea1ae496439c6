/**
 * The kafkajs internals that patches/kafkajs+2.2.4.patch changes, typed for the tests that check the patch
 * applied and still encodes what kafkajs decodes (record-batch-checksum, kafkajs-encoder).
 */
type Checksum = (bytes: Buffer) => number;
const load = (path: string): unknown => require(path) as unknown;

/** kafkajs' record batch checksum: the patched, native one (`native` is true when the patch applied). */
export const checksum = load('kafkajs/src/protocol/recordBatch/crc32C') as Checksum & { native?: boolean };
/** kafkajs' own table-driven CRC-32C, which the patch keeps as its fallback. */
export const table = load('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as Checksum;
export const Encoder = load('kafkajs/src/protocol/encoder') as new () => {
  buf: Buffer;
  buffer: Buffer;
  writeVarInt(value: number): unknown;
  writeUVarInt(value: number): unknown;
};
export const Decoder = load('kafkajs/src/protocol/decoder') as new (bytes: Buffer) => {
  readVarInt(): number;
  readUVarInt(): number;
};
export const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: { records: unknown[] }) => Promise<{ buffer: Buffer }>;
};
export const Record = load('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key: Buffer;
  value: Buffer;
  offsetDelta: number;
}) => unknown;
export const decodeBatch = load('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: Array<{ key: Buffer; value: Buffer }> }>;

/**
 * The checksum an encoded record batch carries, and kafkajs' own sum of the bytes it covers: FirstOffset (8),
 * Length (4), PartitionLeaderEpoch (4), Magic (1), then the CRC of everything after it.
 */
export function batchChecksums(batch: Buffer): { carried: number; computed: number } {
  return { carried: batch.readUInt32BE(17), computed: table(batch.subarray(21)) };
}
