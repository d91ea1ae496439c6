/** An ISO-8601 time, or `now`, or a duration before now (`90m`, `6h`, `2d`), as ms since the epoch. */
export function parseTime(value: string, now = Date.now()): number {
  if (value === 'now') return now;
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(rel[1]) * unit;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError('expected an ISO-8601 time, "now", or e.g. 6h / 2d');
  return t;
}
