import type { RejectReason } from '@kyoyu/contracts';

/** Bounds for attacker-controlled input, checked before and while parsing. */
export interface IngestionLimits {
  /** Bytes of the raw record; checked before decoding or parsing. */
  maxRecordBytes: number;
  /** Nesting of objects and arrays. */
  maxDepth: number;
  /** Object members plus array elements, over the whole document. */
  maxFields: number;
  /** Characters of one string (raw, before unescaping). */
  maxStringLength: number;
}

export const DEFAULT_LIMITS: IngestionLimits = Object.freeze({
  maxRecordBytes: 1024 * 1024,
  maxDepth: 64,
  maxFields: 10_000,
  maxStringLength: 256 * 1024,
});

export type JsonObject = { [key: string]: unknown };

export type SafeJsonResult =
  { ok: true; value: unknown } | { ok: false; reason: RejectReason; detail: string };

/**
 * Keys that could reach a prototype if the parsed value were ever merged into another object.
 * Decision: such documents are NOT rejected (a `constructor` field is legal JSON); instead the whole
 * document is re-parsed into null-prototype objects, so these keys are plain own data properties and
 * no object in the result inherits from Object.prototype. Readers in this library additionally only
 * ever look at own properties (see `get`).
 */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const NO_PROTO_REVIVER = (_k: string, v: unknown): unknown => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = Object.create(null) as JsonObject;
    for (const key of Object.keys(v)) o[key] = (v as JsonObject)[key];
    return o;
  }
  return v;
};

const fail = (reason: RejectReason, detail: string): SafeJsonResult => ({ ok: false, reason, detail });

/**
 * Is the raw key text between the quotes at [from, to) one of the poison keys, escapes decoded?
 * `hasEscape`: whether the raw text contains a backslash.
 */
function isPoisonKey(text: string, from: number, to: number, hasEscape: boolean): boolean {
  if (!hasEscape) {
    // Unescaped poison keys are 9 or 11 characters and start with `_`, `c` or `p`.
    const len = to - from;
    const c = text.charCodeAt(from);
    if ((len !== 9 && len !== 11) || (c !== 0x5f && c !== 0x63 && c !== 0x70)) return false;
    return POISON_KEYS.has(text.slice(from, to));
  }
  if (to - from < 9) return false; // every escaped spelling is longer than the plain one
  try {
    return POISON_KEYS.has(JSON.parse(`"${text.slice(from, to)}"`) as string);
  } catch {
    return false; // an invalid escape: JSON.parse of the whole text rejects it
  }
}

/**
 * Object members over the whole parsed value. `for…in` avoids an array per object; it would also count
 * enumerable members inherited from a polluted Object.prototype, so a mismatch is recounted exactly.
 */
function countMembers(v: unknown, exact: boolean): number {
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === 'object') n += countMembers(x, exact);
    }
    return n;
  }
  const o = v as JsonObject;
  if (exact) {
    for (const k of Object.keys(o)) {
      n++;
      const x = o[k];
      if (x !== null && typeof x === 'object') n += countMembers(x, exact);
    }
    return n;
  }
  for (const k in o) {
    n++;
    const x = o[k];
    if (x !== null && typeof x === 'object') n += countMembers(x, exact);
  }
  return n;
}

/**
 * Strict JSON for the trust boundary. `JSON.parse` cannot see duplicate keys or integers that lose
 * precision, so one linear validator pass runs first over the text; it is lenient about grammar
 * (JSON.parse decides validity afterwards) and strict about limits: depth, field count, string length,
 * integers beyond 2^53 and poison keys. It also counts object members: JSON.parse keeps only the last
 * of duplicate keys, so a parsed value with fewer members than the text has had a duplicate key —
 * found without building a key set per object.
 * Cost: one charCodeAt scan (strings skipped with indexOf), JSON.parse, one walk of the parsed value.
 */
export function parseSafeJson(text: string, limits: IngestionLimits): SafeJsonResult {
  const n = text.length;
  const { maxDepth, maxFields, maxStringLength } = limits;
  // Per open container, innermost last: true for objects, false for arrays.
  const stack: boolean[] = [];
  let expectKey = false;
  let fields = 0;
  let members = 0;
  let poison = false;
  // Position of the next backslash at or after the current key, found lazily (-1: none left).
  let nextBackslash = -2;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // "
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j < 0) return fail('MALFORMED_JSON', 'unterminated string');
        let b = 0;
        while (text.charCodeAt(j - 1 - b) === 0x5c) b++;
        if ((b & 1) === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j - i - 1 > maxStringLength)
        return fail('STRING_TOO_LONG', `string longer than ${maxStringLength}`);
      if (expectKey) {
        members++;
        if (++fields > maxFields) return fail('TOO_MANY_FIELDS', `more than ${maxFields} fields`);
        if (!poison) {
          if (nextBackslash !== -1 && nextBackslash <= i) nextBackslash = text.indexOf('\\', i + 1);
          if (isPoisonKey(text, i + 1, j, nextBackslash !== -1 && nextBackslash < j)) poison = true;
        }
        expectKey = false;
      }
      i = j + 1;
    } else if (c === 0x7b || c === 0x5b) {
      // { [
      if (stack.length >= maxDepth) return fail('TOO_DEEP', `nesting deeper than ${maxDepth}`);
      const isObject = c === 0x7b;
      stack.push(isObject);
      expectKey = isObject;
      if (!isObject && ++fields > maxFields) return fail('TOO_MANY_FIELDS', `more than ${maxFields} fields`);
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      // } ]
      stack.pop();
      expectKey = false;
      i++;
    } else if (c === 0x2c) {
      // ,
      expectKey = stack.length > 0 && stack[stack.length - 1] === true;
      if (!expectKey && stack.length > 0 && ++fields > maxFields)
        return fail('TOO_MANY_FIELDS', `more than ${maxFields} fields`);
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // - 0-9
      const start = i;
      let isInt = true;
      let digits = c === 0x2d ? 0 : 1;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) isInt = false;
        else break;
        i++;
      }
      if (isInt && digits > 15 && !Number.isSafeInteger(Number(text.slice(start, i))))
        return fail('UNSAFE_NUMBER', 'integer beyond 2^53');
    } else i++;
  }
  if (stack.length > 0) return fail('MALFORMED_JSON', 'truncated JSON');
  let value: unknown;
  try {
    value = poison ? JSON.parse(text, NO_PROTO_REVIVER) : JSON.parse(text);
  } catch {
    return fail('MALFORMED_JSON', 'invalid JSON');
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    countMembers(value, false) !== members &&
    countMembers(value, true) !== members
  )
    return fail('DUPLICATE_KEY', 'duplicate key in object');
  return { ok: true, value };
}
