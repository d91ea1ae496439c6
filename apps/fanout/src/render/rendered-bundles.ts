import { sha256Hex, type SanitizedEvent } from '@kyoyu/contracts';
import { renderBundle, type Producer } from '@kyoyu/stix';

/** An event's STIX bundle as subscribers receive it (UTF-8 JSON) and its sha256; or why it could not be. */
export type RenderedBundle = { bundle: Buffer; contentHash: string } | { error: string };

/** What a render task hands back: all bundles in one byte array (one copy across threads, not one each). */
export interface RenderedBatch {
  bytes: Uint8Array;
  /** End offset of each event's bundle in `bytes`; -1 when it failed (see `errors`). */
  ends: number[];
  hashes: string[];
  /** Why an event could not be rendered, by position; the message names no event content. */
  errors: Array<string | undefined>;
}

export interface RenderTask {
  events: readonly SanitizedEvent[];
  producer: Producer;
}

/** Renders a batch of events; one that fails is reported in its place and does not fail the others. */
export function renderBatch({ events, producer }: RenderTask): RenderedBatch {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  const hashes: string[] = [];
  const errors: Array<string | undefined> = [];
  let end = 0;
  for (const event of events) {
    try {
      const bytes = Buffer.from(JSON.stringify(renderBundle(event, producer)), 'utf8');
      parts.push(bytes);
      end += bytes.length;
      ends.push(end);
      hashes.push(sha256Hex(bytes));
      errors.push(undefined);
    } catch (err) {
      ends.push(-1);
      hashes.push('');
      errors.push(err instanceof Error ? err.message : 'unrenderable event');
    }
  }
  return { bytes: Buffer.concat(parts, end), ends, hashes, errors };
}

/** The bundles of a rendered batch, each a view of its bytes (no copy). */
export function unpackBatch(batch: RenderedBatch): RenderedBundle[] {
  const whole = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  let start = 0;
  return batch.ends.map((end, i) => {
    if (end < 0) return { error: batch.errors[i] ?? 'unrenderable event' };
    const bundle = whole.subarray(start, end);
    start = end;
    return { bundle, contentHash: batch.hashes[i] as string };
  });
}
