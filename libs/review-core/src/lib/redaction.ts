import { z } from 'zod';
import type { SanitizedEvent, Transformation } from '@kyoyu/contracts';
import { ReviewError } from './errors';

/** Free-text fields of a draft a reviewer may cut spans out of. */
export const TextField = z.enum(['title', 'description', 'signature.name']);
export type TextField = z.infer<typeof TextField>;

/**
 * One edit a reviewer asks for. Strict objects: a body naming anything else (TLP, audience, state,
 * event id...) is refused whole, so redaction cannot be used to assign fields it does not own.
 */
export const Redaction = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('span'),
    field: TextField,
    /** UTF-16 offsets, as the browser's selection gives them. */
    start: z.number().int().min(0),
    end: z.number().int().min(1),
    replacement: z.string().max(64).default('[redacted]'),
  }),
  z.strictObject({
    kind: z.literal('remove-field'),
    field: z.enum(['description', 'signature', 'context.sector', 'context.country']),
  }),
  z.strictObject({
    kind: z.literal('remove-item'),
    list: z.enum(['indicators', 'malware', 'cves', 'techniques']),
    index: z.number().int().min(0),
  }),
]);
export type Redaction = z.infer<typeof Redaction>;

export const RedactRequest = z.strictObject({
  redactions: z.array(Redaction).min(1).max(100),
  /** The version the reviewer saw (optimistic locking). */
  version: z.number().int().min(1).optional(),
  reason: z.string().max(500).optional(),
});
export type RedactRequest = z.infer<typeof RedactRequest>;

export interface RedactionResult {
  draft: SanitizedEvent;
  /** One per edit, for the item's transformation log. */
  transformations: Transformation[];
}

const RULE = 'R-REVIEWER-REDACTION';

function readText(d: SanitizedEvent, field: TextField): string | undefined {
  if (field === 'title') return d.title;
  if (field === 'description') return d.description;
  return d.signature?.name;
}

function writeText(d: SanitizedEvent, field: TextField, value: string): void {
  if (field === 'title') d.title = value;
  else if (field === 'description') d.description = value;
  else if (d.signature) d.signature.name = value;
}

function invalid(message: string, details: Record<string, unknown>): ReviewError {
  return new ReviewError('REVIEW.REDACTION_INVALID', message, details);
}

/** Applies a reviewer's edits to a copy of the draft. Spans in one field must not overlap. */
export function applyRedactions(draft: SanitizedEvent, redactions: readonly Redaction[]): RedactionResult {
  const d = structuredClone(draft);
  const transformations: Transformation[] = [];

  const spans = redactions.filter((r): r is Extract<Redaction, { kind: 'span' }> => r.kind === 'span');
  for (const field of TextField.options) {
    const mine = spans.filter((s) => s.field === field).sort((a, b) => b.start - a.start);
    if (mine.length === 0) continue;
    let text = readText(d, field);
    if (text === undefined) throw invalid('the field is empty', { field });
    let floor = Number.POSITIVE_INFINITY;
    for (const s of mine) {
      if (s.end > text.length || s.start >= s.end || s.end > floor) {
        throw invalid('span out of range or overlapping', { field, start: s.start, end: s.end });
      }
      text = text.slice(0, s.start) + s.replacement + text.slice(s.end);
      floor = s.start;
    }
    writeText(d, field, text);
    transformations.push({ field, class: 'reviewer', action: 'mask', rule: RULE });
  }

  for (const r of redactions) {
    if (r.kind !== 'remove-field') continue;
    if (r.field === 'description') delete d.description;
    else if (r.field === 'signature') delete d.signature;
    else if (r.field === 'context.sector') delete d.context.sector;
    else delete d.context.country;
    transformations.push({ field: r.field, class: 'reviewer', action: 'drop', rule: RULE });
  }

  // Highest index first, so earlier removals do not shift later ones.
  const items = redactions
    .filter((r): r is Extract<Redaction, { kind: 'remove-item' }> => r.kind === 'remove-item')
    .sort((a, b) => b.index - a.index);
  const removed = new Set<string>();
  for (const r of items) {
    const list = d[r.list] as unknown[];
    if (r.index >= list.length || removed.has(`${r.list}:${r.index}`)) {
      throw invalid('no such item in the list', { list: r.list, index: r.index });
    }
    removed.add(`${r.list}:${r.index}`);
    list.splice(r.index, 1);
    transformations.push({ field: `${r.list}[${r.index}]`, class: 'reviewer', action: 'drop', rule: RULE });
  }
  return { draft: d, transformations };
}
