/**
 * Byte strings back to back in one array, with where each one ends (-1 for a missing one, which takes no
 * bytes). A render task's records and a render thread's bundles cross between threads this way: one copy for
 * the batch, where an array of buffers would be cloned one by one.
 */
export interface PackedBytes {
  bytes: Uint8Array;
  ends: number[];
}

export function pack(parts: ReadonlyArray<Uint8Array | null>): PackedBytes {
  const ends: number[] = [];
  const present: Uint8Array[] = [];
  let end = 0;
  for (const p of parts) {
    if (p) {
      present.push(p);
      end += p.length;
    }
    ends.push(p ? end : -1);
  }
  return { bytes: Buffer.concat(present, end), ends };
}

/** Each byte string as a view of the packed bytes (no copy); null where one was missing. */
export function unpack({ bytes, ends }: PackedBytes): Array<Buffer | null> {
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  return ends.map((end) => {
    if (end < 0) return null;
    const part = whole.subarray(start, end);
    start = end;
    return part;
  });
}
