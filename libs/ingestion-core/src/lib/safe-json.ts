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
 * Strict JSON for the trust boundary. `JSON.parse` cannot see duplicate keys or integers that lose
 * precision, so one linear validator pass runs first over the text; it is lenient about grammar
 * (JSON.parse decides validity afterwards) and strict about limits:
 * depth, field count, string length, duplicate keys, integers beyond 2^53 and poison keys.
 * Cost: one charCodeAt scan (strings skipped with indexOf), one Set per object for its keys.
 */
export function parseSafeJson(text: string, limits: IngestionLimits): SafeJsonResult {
  const n = text.length;
  // Per open container: null for arrays, a Set of keys for objects.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let fields = 0;
  let poison = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b: // {
        if (stack.length >= limits.maxDepth)
          return fail('TOO_DEEP', `nesting deeper than ${limits.maxDepth}`);
        stack.push(new Set());
        expectKey = true;
        i++;
        break;
      case 0x5b: // [
        if (stack.length >= limits.maxDepth)
          return fail('TOO_DEEP', `nesting deeper than ${limits.maxDepth}`);
        stack.push(null);
        expectKey = false;
        if (++fields > limits.maxFields)
          return fail('TOO_MANY_FIELDS', `more than ${limits.maxFields} fields`);
        i++;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        expectKey = false;
        i++;
        break;
      case 0x2c: {
        // ,
        const top = stack[stack.length - 1];
        expectKey = top != null;
        if (top === null && ++fields > limits.maxFields)
          return fail('TOO_MANY_FIELDS', `more than ${limits.maxFields} fields`);
        i++;
        break;
      }
      case 0x3a: // :
        expectKey = false;
        i++;
        break;
      case 0x22: {
        // "
        let j = text.indexOf('"', i + 1);
        for (;;) {
          if (j < 0) return fail('MALFORMED_JSON', 'unterminated string');
          let b = 0;
          while (text.charCodeAt(j - 1 - b) === 0x5c) b++;
          if ((b & 1) === 0) break;
          j = text.indexOf('"', j + 1);
        }
        if (j - i - 1 > limits.maxStringLength)
          return fail('STRING_TOO_LONG', `string longer than ${limits.maxStringLength}`);
        const top = stack[stack.length - 1];
        if (expectKey && top) {
          let key = text.slice(i + 1, j);
          if (key.indexOf('\\') >= 0) {
            try {
              key = JSON.parse(`"${key}"`) as string;
            } catch {
              return fail('MALFORMED_JSON', 'invalid escape in key');
            }
          }
          if (top.has(key)) return fail('DUPLICATE_KEY', 'duplicate key in object');
          top.add(key);
          if (POISON_KEYS.has(key)) poison = true;
          if (++fields > limits.maxFields)
            return fail('TOO_MANY_FIELDS', `more than ${limits.maxFields} fields`);
          expectKey = false;
        }
        i = j + 1;
        break;
      }
      case 0x2d: // -
      case 0x30:
      case 0x31:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37:
      case 0x38:
      case 0x39: {
        const start = i;
        let isInt = true;
        let digits = 0;
        i++;
        if (c !== 0x2d) digits++;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d >= 0x30 && d <= 0x39) digits++;
          else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) isInt = false;
          else break;
          i++;
        }
        if (isInt && digits > 15 && !Number.isSafeInteger(Number(text.slice(start, i))))
          return fail('UNSAFE_NUMBER', 'integer beyond 2^53');
        break;
      }
      default:
        i++;
    }
  }
  if (stack.length > 0) return fail('MALFORMED_JSON', 'truncated JSON');
  try {
    return { ok: true, value: poison ? JSON.parse(text, NO_PROTO_REVIVER) : JSON.parse(text) };
  } catch {
    return fail('MALFORMED_JSON', 'invalid JSON');
  }
}
