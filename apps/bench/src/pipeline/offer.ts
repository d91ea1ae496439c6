import type { Message, Producer } from 'kafkajs';

/** Records to offer: the next one as a message, and what to remember about it. */
export type NextRecord = () => { message: Message; onSent?: (at: number) => void };

/**
 * Offers records to `topic` at `rate` per second (Infinity: flat out) for `seconds`, like many SIEMs
 * forwarding at once: small batches on a 5 ms clock, up to 8 sends in flight. When the broker pushes back
 * the offered rate falls; the achieved send rate is returned so a report never claims a load it did not offer.
 */
export async function offer(
  producer: Producer,
  topic: string,
  next: NextRecord,
  opts: { rate: number; seconds?: number; count?: number },
): Promise<{ sent: number; seconds: number }> {
  const t0 = performance.now();
  const end = opts.seconds !== undefined ? t0 + opts.seconds * 1000 : Infinity;
  const limit = opts.count ?? Infinity;
  const inFlight = new Set<Promise<unknown>>();
  let sent = 0;
  let failure: unknown;
  while (performance.now() < end && sent < limit) {
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    const elapsed = (performance.now() - t0) / 1000;
    const due = Math.min(
      Number.isFinite(opts.rate) ? Math.floor(opts.rate * elapsed) - sent : 500,
      500,
      limit - sent,
    );
    if (due <= 0 || inFlight.size >= 8) {
      await (inFlight.size >= 8 ? Promise.race(inFlight) : new Promise((r) => setTimeout(r, 5)));
      continue;
    }
    const batch = Array.from({ length: due }, next);
    const at = Date.now();
    for (const b of batch) b.onSent?.(at);
    const p = producer
      .send({ topic, acks: -1, messages: batch.map((b) => b.message) })
      .catch((e: unknown) => (failure = e))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent += due;
  }
  await Promise.all(inFlight);
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return { sent, seconds: (performance.now() - t0) / 1000 };
}
