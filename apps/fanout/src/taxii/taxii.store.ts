import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TaxiiQuery } from '@kyoyu/fanout-core';

export interface TaxiiRow {
  seq: bigint;
  id: string;
  version: string;
  /** RFC 3339 with microseconds, as clients send it back in `added_after`. */
  dateAdded: string;
  object: Record<string, unknown>;
}

export interface TaxiiPage {
  rows: TaxiiRow[];
  more: boolean;
}

/** Reads a subscriber's TAXII collection: one page of object versions in the order they were added. */
@Injectable()
export class TaxiiStore {
  constructor(private readonly dataSource: DataSource) {}

  async page(collection: string, q: TaxiiQuery, withObjects: boolean): Promise<TaxiiPage> {
    if (q.specVersions.length > 0 && !q.specVersions.includes('2.1')) return { rows: [], more: false };
    const rows = (await this.dataSource.query(
      `SELECT t.seq::text AS seq, t.stix_id, t.version,
         to_char(t.date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS date_added,
         ${withObjects ? 't.object' : 'NULL::jsonb AS object'}
       FROM taxii_objects t
       WHERE t.collection = $1
         AND ($2::timestamptz IS NULL OR t.date_added > $2::timestamptz)
         AND ($3::bigint IS NULL OR t.seq > $3::bigint)
         AND (cardinality($4::text[]) = 0 OR t.stix_type = ANY($4::text[]))
         AND (cardinality($5::text[]) = 0 OR t.stix_id = ANY($5::text[]))
         AND ($6::boolean
           OR ($7::boolean AND NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection = t.collection
                 AND n.stix_id = t.stix_id AND n.version_ts > t.version_ts))
           OR ($8::boolean AND NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection = t.collection
                 AND n.stix_id = t.stix_id AND n.version_ts < t.version_ts))
           OR t.version_ts = ANY($9::timestamptz[]))
       ORDER BY t.seq
       LIMIT $10`,
      [
        collection,
        q.addedAfter ?? null,
        q.after?.toString() ?? null,
        q.types,
        q.ids,
        q.versions.all,
        q.versions.last,
        q.versions.first,
        q.versions.timestamps,
        q.limit + 1,
      ],
    )) as Array<{
      seq: string;
      stix_id: string;
      version: string;
      date_added: string;
      object: Record<string, unknown>;
    }>;
    const more = rows.length > q.limit;
    return {
      more,
      rows: rows.slice(0, q.limit).map((r) => ({
        seq: BigInt(r.seq),
        id: r.stix_id,
        version: r.version,
        dateAdded: r.date_added,
        object: r.object,
      })),
    };
  }

  /** Whether the collection holds any version of an object (404 otherwise). */
  async has(collection: string, stixId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM taxii_objects WHERE collection = $1 AND stix_id = $2 LIMIT 1`,
      [collection, stixId],
    )) as unknown[];
    return rows.length > 0;
  }
}
