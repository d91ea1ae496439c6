import type { ProductFilter, SanitizedEvent, SubscriberFilters } from '@kyoyu/contracts';

/**
 * Whether an event matches what a subscriber asked for: every dimension given must match, any value of a
 * dimension is enough, and an absent or empty dimension does not restrict.
 */
export function matchesFilters(event: SanitizedEvent, filters: SubscriberFilters): boolean {
  if (filters.minConfidence !== undefined && event.confidence < filters.minConfidence) return false;
  if (nonEmpty(filters.techniques) && !filters.techniques.some((t) => hasTechnique(event, t))) return false;
  if (nonEmpty(filters.tactics) && !filters.tactics.some((t) => hasTactic(event, t))) return false;
  const types = filters.indicatorTypes;
  if (nonEmpty(types) && !event.indicators.some((i) => i.role !== 'victim' && types.includes(i.type))) {
    return false;
  }
  if (nonEmpty(filters.products) && !filters.products.some((p) => targetsProduct(event, p))) return false;
  return true;
}

function nonEmpty<T>(xs: readonly T[] | undefined): xs is readonly T[] {
  return xs !== undefined && xs.length > 0;
}

/** A technique filter matches the technique itself and its sub-techniques (T1071 ⊇ T1071.001). */
function hasTechnique(event: SanitizedEvent, wanted: string): boolean {
  const w = wanted.toUpperCase();
  return event.techniques.some((t) => {
    const id = t.id.toUpperCase();
    return id === w || (!w.includes('.') && id.startsWith(`${w}.`));
  });
}

function hasTactic(event: SanitizedEvent, wanted: string): boolean {
  const w = wanted.toLowerCase();
  return event.tactics.some((t) => t.id?.toLowerCase() === w || t.shortname?.toLowerCase() === w);
}

/**
 * Whether the event concerns a product. Released events name what was attacked only through public
 * text (signature name, title, description), so vendor and product names must both appear there as
 * whole words; a CPE contributes its vendor and product (`_` read as a space).
 */
export function targetsProduct(event: SanitizedEvent, filter: ProductFilter): boolean {
  const names = 'cpe' in filter ? cpeNames(filter.cpe) : { vendor: filter.vendor, product: filter.product };
  if (!names) return false;
  const text = normalise([event.title, event.description ?? '', event.signature?.name ?? ''].join(' '));
  const wanted = [names.vendor, names.product].filter((n): n is string => !!n && n !== '*' && n !== '-');
  return wanted.length > 0 && wanted.every((n) => containsWords(text, normalise(n)));
}

/** Vendor and product of a CPE 2.3 string (`cpe:2.3:h:acme:cam_x1:*`), with CPE escapes removed. */
export function cpeNames(cpe: string): { vendor: string; product: string | undefined } | undefined {
  const parts = cpe.split(/(?<!\\):/);
  const vendor = parts[3];
  if (!vendor || vendor === '*' || vendor === '-') return undefined;
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1').replace(/_/g, ' ');
  const product = parts[4];
  return { vendor: unescape(vendor), product: product && product !== '*' ? unescape(product) : undefined };
}

function normalise(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function containsWords(haystack: string, needle: string): boolean {
  if (!needle) return false;
  return ` ${haystack} `.includes(` ${needle} `);
}
