import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  STIX_MEDIA_TYPE,
  TAXII_MEDIA_TYPE,
  TaxiiQueryError,
  acceptsTaxii,
  collectionIdFor,
  encodeCursor,
  parseTaxiiQuery,
} from '@kyoyu/fanout-core';
import type { ActiveSubscriber } from '@kyoyu/persistence';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { FanoutConfig } from '../config';
import { Subscribers } from '../subscribers';
import { TaxiiStore, type TaxiiPage } from './taxii.store';

const API_ROOT = 'share';

type Request = IncomingMessage & { originalUrl?: string };
type Response = ServerResponse;

class TaxiiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly code: string,
  ) {
    super(title);
  }
}

/**
 * TAXII 2.1 (read-only): discovery, one API root, one collection per subscriber (its own only: any other
 * collection id is 404), objects / manifest / versions with `added_after`, `limit`, `next` and
 * `match[type|id|version|spec_version]`. Authenticated by the subscriber's API key, as
 * `Authorization: Bearer <key>` or HTTP Basic with the subscriber id as user name.
 */
@Controller('taxii2')
export class TaxiiController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    private readonly subscribers: Subscribers,
    private readonly store: TaxiiStore,
  ) {}

  @Get()
  discovery(@Req() req: Request, @Res() res: Response): void {
    this.handle(req, res, () => ({
      title: 'kyoyu shared attack-technique information',
      description:
        'De-identified attack-technique events (STIX 2.1, TLP 2.0), one collection per subscriber.',
      default: `/taxii2/${API_ROOT}/`,
      api_roots: [`/taxii2/${API_ROOT}/`],
    }));
  }

  @Get(API_ROOT)
  apiRoot(@Req() req: Request, @Res() res: Response): void {
    this.handle(req, res, () => ({
      title: 'kyoyu sharing',
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: 0,
    }));
  }

  @Get(`${API_ROOT}/collections`)
  collections(@Req() req: Request, @Res() res: Response): void {
    this.handle(req, res, (sub) => (sub.channels.includes('taxii') ? { collections: [describe(sub)] } : {}));
  }

  @Get(`${API_ROOT}/collections/:collection`)
  collection(@Req() req: Request, @Res() res: Response, @Param('collection') id: string): void {
    this.handle(req, res, (sub) => {
      ownCollection(sub, id);
      return describe(sub);
    });
  }

  @Get(`${API_ROOT}/collections/:collection/objects`)
  objects(@Req() req: Request, @Res() res: Response, @Param('collection') id: string): Promise<void> {
    return this.handleAsync(req, res, async (sub) => {
      const page = await this.store.page(ownCollection(sub, id).id, this.query(req), true);
      return { body: envelope(page, 'objects', (r) => r.object), headers: dateHeaders(page) };
    });
  }

  @Get(`${API_ROOT}/collections/:collection/objects/:object`)
  object(
    @Req() req: Request,
    @Res() res: Response,
    @Param('collection') id: string,
    @Param('object') objectId: string,
  ): Promise<void> {
    return this.handleAsync(req, res, async (sub) => {
      const collection = ownCollection(sub, id).id;
      const params = new URLSearchParams(searchOf(req));
      params.delete('match[id]');
      params.append('match[id]', objectId);
      const page = await this.store.page(collection, this.query(req, params), true);
      if (page.rows.length === 0 && !(await this.store.has(collection, objectId))) throw notFound();
      return { body: envelope(page, 'objects', (r) => r.object), headers: dateHeaders(page) };
    });
  }

  @Get(`${API_ROOT}/collections/:collection/objects/:object/versions`)
  versions(
    @Req() req: Request,
    @Res() res: Response,
    @Param('collection') id: string,
    @Param('object') objectId: string,
  ): Promise<void> {
    return this.handleAsync(req, res, async (sub) => {
      const collection = ownCollection(sub, id).id;
      const params = new URLSearchParams(searchOf(req));
      for (const p of ['match[id]', 'match[type]', 'match[version]']) params.delete(p);
      params.append('match[id]', objectId);
      params.append('match[version]', 'all');
      const page = await this.store.page(collection, this.query(req, params), false);
      if (page.rows.length === 0 && !(await this.store.has(collection, objectId))) throw notFound();
      return { body: envelope(page, 'versions', (r) => r.version), headers: dateHeaders(page) };
    });
  }

  @Get(`${API_ROOT}/collections/:collection/manifest`)
  manifest(@Req() req: Request, @Res() res: Response, @Param('collection') id: string): Promise<void> {
    return this.handleAsync(req, res, async (sub) => {
      const page = await this.store.page(ownCollection(sub, id).id, this.query(req), false);
      const body = envelope(page, 'objects', (r) => ({
        id: r.id,
        date_added: r.dateAdded,
        version: r.version,
        media_type: STIX_MEDIA_TYPE,
      }));
      return { body, headers: dateHeaders(page) };
    });
  }

  private query(req: Request, params = new URLSearchParams(searchOf(req))) {
    try {
      return parseTaxiiQuery(params, this.config.TAXII_MAX_PAGE);
    } catch (err) {
      if (err instanceof TaxiiQueryError) throw new TaxiiError(400, `Bad ${err.parameter}`, err.code);
      throw err;
    }
  }

  private handle(req: Request, res: Response, fn: (sub: ActiveSubscriber) => unknown): void {
    void this.handleAsync(req, res, (sub) => Promise.resolve({ body: fn(sub), headers: {} }));
  }

  private async handleAsync(
    req: Request,
    res: Response,
    fn: (sub: ActiveSubscriber) => Promise<{ body: unknown; headers: Record<string, string> }>,
  ): Promise<void> {
    try {
      const sub = this.authenticate(req);
      if (!acceptsTaxii(req.headers.accept))
        throw new TaxiiError(406, 'Not Acceptable', 'TAXII.NOT_ACCEPTABLE');
      const { body, headers } = await fn(sub);
      send(res, 200, body, headers);
    } catch (err) {
      if (err instanceof TaxiiError) {
        const headers: Record<string, string> =
          err.status === 401 ? { 'www-authenticate': 'Bearer realm="kyoyu", Basic realm="kyoyu"' } : {};
        send(
          res,
          err.status,
          { title: err.title, http_status: String(err.status), error_code: err.code },
          headers,
        );
      } else {
        send(res, 500, { title: 'Internal error', http_status: '500', error_code: 'TAXII.INTERNAL' }, {});
      }
    }
  }

  private authenticate(req: Request): ActiveSubscriber {
    const header = req.headers.authorization ?? '';
    const [scheme, credentials = ''] = header.split(' ', 2);
    let sub: ActiveSubscriber | undefined;
    if (scheme?.toLowerCase() === 'bearer') {
      sub = this.subscribers.byTaxiiApiKey(credentials.trim());
    } else if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const candidate = colon > 0 ? this.subscribers.byTaxiiApiKey(decoded.slice(colon + 1)) : undefined;
      sub = candidate && candidate.id === decoded.slice(0, colon) ? candidate : undefined;
    }
    if (!sub) throw new TaxiiError(401, 'Unauthorized', 'TAXII.UNAUTHORIZED');
    return sub;
  }
}

function searchOf(req: Request): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function describe(sub: ActiveSubscriber) {
  return {
    id: collectionIdFor(sub.id),
    title: `${sub.name}: shared events`,
    description: `Events released to subscriber ${sub.id}`,
    can_read: true,
    can_write: false,
    media_types: [STIX_MEDIA_TYPE],
  };
}

/** The caller's own collection; any other id, existing or not, is 404 (never 403: no probing). */
function ownCollection(sub: ActiveSubscriber, id: string): { id: string } {
  if (!sub.channels.includes('taxii') || id !== collectionIdFor(sub.id)) throw notFound();
  return { id: sub.id };
}

function notFound(): TaxiiError {
  return new TaxiiError(404, 'Not Found', 'TAXII.NOT_FOUND');
}

function envelope<T>(page: TaxiiPage, key: string, map: (r: TaxiiPage['rows'][number]) => T) {
  const last = page.rows[page.rows.length - 1];
  if (!last) return {};
  return {
    more: page.more,
    ...(page.more ? { next: encodeCursor(last.seq) } : {}),
    [key]: page.rows.map(map),
  };
}

function dateHeaders(page: TaxiiPage): Record<string, string> {
  const first = page.rows[0];
  const last = page.rows[page.rows.length - 1];
  if (!first || !last) return {};
  return { 'x-taxii-date-added-first': first.dateAdded, 'x-taxii-date-added-last': last.dateAdded };
}

function send(res: Response, status: number, body: unknown, headers: Record<string, string>): void {
  res.statusCode = status;
  res.setHeader('content-type', TAXII_MEDIA_TYPE);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(JSON.stringify(body));
}
