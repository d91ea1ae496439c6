import { v5 as uuidv5 } from 'uuid';

/** TAXII 2.1 media types. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** `match[version]`: `last` (default), `first`, `all`, or exact `modified` timestamps, any combination. */
export interface VersionMatch {
  all: boolean;
  first: boolean;
  last: boolean;
  timestamps: string[];
}

export interface TaxiiQuery {
  /** Only versions added strictly after this instant (RFC 3339). */
  addedAfter?: string;
  limit: number;
  /** Position after which the page starts (from `next`). */
  after?: bigint;
  types: string[];
  ids: string[];
  versions: VersionMatch;
  /** Filters out everything when a spec version other than 2.1 is asked for. */
  specVersions: string[];
}

export class TaxiiQueryError extends Error {
  constructor(
    readonly code: string,
    readonly parameter: string,
  ) {
    super(`${code}: bad ${parameter}`);
  }
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const STIX_TYPE = /^[a-z0-9][a-z0-9-]{0,249}$/;
const STIX_ID = /^[a-z0-9][a-z0-9-]{0,249}--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_LIST = 100;

function list(params: URLSearchParams, name: string, valid: RegExp): string[] {
  const values = params.getAll(name).flatMap((v) => v.split(','));
  if (values.length > MAX_LIST || values.some((v) => !valid.test(v))) {
    throw new TaxiiQueryError('TAXII.BAD_FILTER', name);
  }
  return values;
}

/**
 * Parses the query of an objects, manifest or versions request (TAXII 2.1 §3.4): `added_after`, `limit`,
 * `next`, `match[type|id|version|spec_version]`. Throws TaxiiQueryError (→ 400) on anything malformed.
 */
export function parseTaxiiQuery(params: URLSearchParams, maxPage: number): TaxiiQuery {
  const query: TaxiiQuery = {
    limit: Math.min(100, maxPage),
    types: list(params, 'match[type]', STIX_TYPE),
    ids: list(params, 'match[id]', STIX_ID),
    versions: { all: false, first: false, last: false, timestamps: [] },
    specVersions: list(params, 'match[spec_version]', /^\d\.\d$/),
  };
  const addedAfter = params.get('added_after');
  if (addedAfter !== null) {
    if (!TIMESTAMP.test(addedAfter) || Number.isNaN(Date.parse(addedAfter))) {
      throw new TaxiiQueryError('TAXII.BAD_FILTER', 'added_after');
    }
    query.addedAfter = addedAfter;
  }
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d{1,9}$/.test(limit) || Number(limit) < 1) throw new TaxiiQueryError('TAXII.BAD_FILTER', 'limit');
    query.limit = Math.min(Number(limit), maxPage);
  }
  const next = params.get('next');
  if (next !== null) query.after = decodeCursor(next);
  const versions = list(params, 'match[version]', /^(all|first|last|\d{4}-[0-9T:.\-Z]+)$/);
  if (versions.length === 0) versions.push('last');
  for (const v of versions) {
    if (v === 'all' || v === 'first' || v === 'last') query.versions[v] = true;
    else if (TIMESTAMP.test(v)) query.versions.timestamps.push(v);
    else throw new TaxiiQueryError('TAXII.BAD_FILTER', 'match[version]');
  }
  return query;
}

/** `next` is opaque to clients: the position of the last row of the page, encoded. */
export function encodeCursor(position: bigint): string {
  return Buffer.from(`k1:${position.toString()}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): bigint {
  const m = /^k1:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1]) throw new TaxiiQueryError('TAXII.BAD_CURSOR', 'next');
  return BigInt(m[1]);
}

/** Whether an `Accept` header admits TAXII 2.1 JSON (absent means anything). */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (type === '*/*' || type === 'application/*') return true;
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return version === undefined || version === 'version=2.1';
  });
}

const COLLECTION_NAMESPACE = '4c0d2d8e-6a0e-5c41-9a55-0b7f3f4f2a11';

/** A subscriber's TAXII collection id: a UUID (TAXII identifiers are UUIDs), stable per subscriber. */
export function collectionIdFor(subscriberId: string): string {
  return uuidv5(`collection:${subscriberId}`, COLLECTION_NAMESPACE);
}
