import { z } from 'zod';
import { Customer, SubscriberRegistration } from '@kyoyu/contracts';
import { RedactRequest } from '@kyoyu/review-core';
import { CreateAccount, CreateToken, UpdateAccount } from './admin.controller';
import { LoginRequest } from './auth/auth.controller';
import { ApproveRequest, NoteRequest, ReassignRequest, RejectRequest } from './review-items.controller';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const body = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const error = { $ref: '#/components/responses/Error' };
const caseId = { name: 'caseId', in: 'path', required: true, schema: { type: 'string' } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const reviewer = [{ bearer: [] }, { session: [] }];

function op(summary: string, extra: Record<string, unknown> = {}, ok = '200') {
  return {
    summary,
    security: reviewer,
    responses: {
      [ok]: { description: 'OK' },
      '400': error,
      '401': error,
      '403': error,
      '404': error,
      '409': error,
      '422': error,
    },
    ...extra,
  };
}

/**
 * The review app's OpenAPI 3.1 document. Request bodies come from the same zod schemas the handlers
 * validate with, so the document cannot drift from what is accepted.
 */
export function openApiDocument() {
  const listParams = [
    'state',
    'customer',
    'reason',
    'minAgeSeconds',
    'minRisk',
    'maxRisk',
    'cursor',
    'limit',
  ].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'kyoyu review',
      version: '1',
      description:
        'Held items, reviewer decisions (four-eyes, redaction, deadlines) and the operator admin API. ' +
        'Reviewers see only the customers they are cleared for (others answer 404). Cookie sessions must ' +
        'send the x-csrf-token header on every state-changing request.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'kyoyu_session' },
      },
      responses: {
        Error: {
          description: 'A stable error code and a message that never quotes alert content',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
      schemas: {
        Login: schema(LoginRequest),
        Approve: schema(ApproveRequest),
        Reject: schema(RejectRequest),
        Redact: schema(RedactRequest),
        Reassign: schema(ReassignRequest),
        Note: schema(NoteRequest),
        CreateAccount: schema(CreateAccount),
        UpdateAccount: schema(UpdateAccount),
        CreateToken: schema(CreateToken),
        Customer: schema(Customer),
        Subscriber: schema(SubscriberRegistration),
      },
    },
    paths: {
      '/auth/login': {
        post: {
          ...op('Log in (rate limited); sets the session cookie', { requestBody: body('Login') }),
          security: [],
        },
      },
      '/auth/session': { get: op('The current account and the CSRF token') },
      '/auth/logout': { post: op('Log out', {}, '204') },
      '/review/items': {
        get: op('List held items with filters, cursor pagination and counts', { parameters: listParams }),
      },
      '/review/expiring': {
        get: op('Open items whose deadline falls within withinSeconds', {
          parameters: [{ name: 'withinSeconds', in: 'query', schema: { type: 'integer' } }],
        }),
      },
      '/review/items/{caseId}': {
        get: op('One item: original (cleared reviewers only), draft, transformations, notes, history', {
          parameters: [caseId],
        }),
      },
      '/review/items/{caseId}/approve': {
        post: op('Approve (a four-eyes item needs two different reviewers)', {
          parameters: [caseId],
          requestBody: body('Approve'),
        }),
      },
      '/review/items/{caseId}/reject': {
        post: op('Reject with a reason', { parameters: [caseId], requestBody: body('Reject') }),
      },
      '/review/items/{caseId}/redact': {
        post: op(
          'Redact spans, fields or list items; the engine and the egress guard must pass on the result',
          {
            parameters: [caseId],
            requestBody: body('Redact'),
          },
        ),
      },
      '/review/items/{caseId}/reassign': {
        post: op('Assign to a cleared reviewer (or null)', {
          parameters: [caseId],
          requestBody: body('Reassign'),
        }),
      },
      '/review/items/{caseId}/notes': {
        post: op('Add a note', { parameters: [caseId], requestBody: body('Note') }, '201'),
      },
      '/review/events': { get: op('Server-sent events: item ids and states as they change') },
      '/admin/accounts': {
        get: op('List accounts'),
        post: op('Create an account (argon2id-hashed password)', { requestBody: body('CreateAccount') }),
      },
      '/admin/accounts/{id}': {
        patch: op('Change an account (clearances, role, password, active)', {
          parameters: [id],
          requestBody: body('UpdateAccount'),
        }),
      },
      '/admin/accounts/{id}/tokens': {
        post: op('Issue a bearer token for the account (shown once)', {
          parameters: [id],
          requestBody: body('CreateToken'),
        }),
      },
      '/admin/customers': { get: op('List customers') },
      '/admin/customers/{id}': {
        get: op('One customer', { parameters: [id] }),
        put: op('Register or update a customer', { parameters: [id], requestBody: body('Customer') }),
      },
      '/admin/customers/{id}/deactivate': { post: op('Deactivate a customer', { parameters: [id] }) },
      '/admin/subscribers': { get: op('List subscribers') },
      '/admin/subscribers/{id}': {
        get: op('One subscriber (the TAXII key is never returned)', { parameters: [id] }),
        put: op('Register or update a subscriber', { parameters: [id], requestBody: body('Subscriber') }),
      },
      '/admin/subscribers/{id}/deactivate': { post: op('Deactivate a subscriber', { parameters: [id] }) },
      '/admin/audit/verify': { get: op('Verify the audit log hash chain') },
      '/admin/queue': { get: op('Queue depth by state and age of the oldest open item') },
    },
  };
}
