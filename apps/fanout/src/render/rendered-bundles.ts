import { sha256Hex, type SanitizedEvent } from '@kyoyu/contracts';
import { renderBundle, type Producer } from '@kyoyu/stix';
import { pack, unpack, type PackedBytes } from './packed-bytes';

/** An event's STIX bundle as subscribers receive it (UTF-8 JSON) and its sha256; or why it could not be. */
export type RenderedBundle = { bundle: Buffer; contentHash: string } | { error: string };

/** What a render task hands back: all bundles packed (a failed one is missing; see `errors`). */
export interface RenderedBatch {
  bundles: PackedBytes;
  hashes: string[];
  /** Why an event could not be rendered, by position; the message names no event content. */
  errors: Array<string | undefined>;
}

export interface RenderTask {
  events: readonly SanitizedEvent[];
  producer: Producer;
}

/** An event's bundle as subscribers receive it and its sha256; throws when the renderer refuses the event. */
export function renderBundleBytes(
  event: SanitizedEvent,
  producer: Producer,
): { bundle: Buffer; contentHash: string } {
  const bundle = Buffer.from(JSON.stringify(renderBundle(event, producer)), 'utf8');
  return { bundle, contentHash: sha256Hex(bundle) };
}

/** Why the renderer refused an event: its own message, which names no event content. */
export function renderError(err: unknown): string {
  return err instanceof Error ? err.message : 'unrenderable event';
}

/** Renders a batch of events; one that fails is reported in its place and does not fail the others. */
export function renderBatch({ events, producer }: RenderTask): RenderedBatch {
  const bundles: Array<Buffer | null> = [];
  const hashes: string[] = [];
  const errors: Array<string | undefined> = [];
  for (const event of events) {
    try {
      const { bundle, contentHash } = renderBundleBytes(event, producer);
      bundles.push(bundle);
      hashes.push(contentHash);
      errors.push(undefined);
    } catch (err) {
      bundles.push(null);
      hashes.push('');
      errors.push(renderError(err));
    }
  }
  return { bundles: pack(bundles), hashes, errors };
}

/** The bundles of a rendered batch, each a view of its bytes (no copy). */
export function unpackBatch(batch: RenderedBatch): RenderedBundle[] {
  return unpack(batch.bundles).map((bundle, i) =>
    bundle
      ? { bundle, contentHash: batch.hashes[i] as string }
      : { error: batch.errors[i] ?? 'unrenderable event' },
  );
}
