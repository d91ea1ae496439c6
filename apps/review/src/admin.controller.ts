import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  Patch,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Customer, CustomerId, SubscriberId, SubscriberRegistration } from '@kyoyu/contracts';
import { upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { AccountsRepository } from './auth/accounts.repository';
import { publicAccount } from './auth/auth.controller';
import { hashPassword } from './auth/passwords';
import { CurrentPrincipal, Roles, type Principal } from './auth/principal';
import { newSecret } from './auth/tokens';
import { AuditWriter } from './audit.writer';
import { parseBody } from './http-errors';
import { ReviewMetrics } from './review-metrics';
import type { AuditAction } from '@kyoyu/review-core';

const Username = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'lower-case letters, digits, . _ -');
const Password = z.string().min(12).max(1000);
export const CreateAccount = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1).max(200),
  password: Password,
  role: z.enum(['admin', 'reviewer']),
  clearances: z.array(CustomerId).max(1000).default([]),
});
export const UpdateAccount = z.strictObject({
  displayName: z.string().trim().min(1).max(200).optional(),
  password: Password.optional(),
  role: z.enum(['admin', 'reviewer']).optional(),
  clearances: z.array(CustomerId).max(1000).optional(),
  active: z.boolean().optional(),
});
export const CreateToken = z.strictObject({ name: z.string().trim().min(1).max(100) });

interface CustomerRow {
  id: string;
  profile: Record<string, unknown>;
  agreement: Customer['agreement'];
  updated_at: Date;
  deactivated_at: Date | null;
}

interface SubscriberRow {
  id: string;
  name: string;
  sectors: string[];
  tlp_clearance: string;
  filters: Record<string, unknown>;
  active: boolean;
  channels: string[] | null;
  taxii_api_key_hash: string | null;
  updated_at: Date;
}

/**
 * The operator's API (role `admin`): reviewer accounts and their clearances, the customer registry and
 * the subscribers. Registry changes reach deidentify and fanout without a restart (their table views
 * poll for changes). Every change is recorded in the audit log.
 */
@Controller('admin')
@Roles('admin')
export class AdminController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditWriter,
    private readonly metrics: ReviewMetrics,
  ) {}

  @Get('accounts')
  async listAccounts() {
    return { accounts: (await this.accounts.list()).map(publicAccount) };
  }

  @Post('accounts')
  async createAccount(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    const a = parseBody(CreateAccount, body);
    const created = await this.accounts.create({ ...a, passwordHash: await hashPassword(a.password) });
    if (!created) throw new ConflictException({ code: 'ACCOUNT.EXISTS', message: 'the user name is taken' });
    await this.record(p, 'account-changed', `created ${created.id}`);
    return publicAccount(created);
  }

  @Patch('accounts/:id')
  async updateAccount(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { password, ...change } = parseBody(UpdateAccount, body);
    const updated = await this.accounts.update(id, {
      ...change,
      ...(password ? { passwordHash: await hashPassword(password) } : {}),
    });
    if (!updated) throw new NotFoundException({ code: 'ACCOUNT.NOT_FOUND', message: 'no such account' });
    await this.record(p, 'account-changed', `updated ${id}`);
    return publicAccount(updated);
  }

  /** A bearer token for automation acting as this account; shown once, stored hashed. */
  @Post('accounts/:id/tokens')
  async createToken(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { name } = parseBody(CreateToken, body);
    const exists = (await this.accounts.list()).some((a) => a.id === id);
    if (!exists) throw new NotFoundException({ code: 'ACCOUNT.NOT_FOUND', message: 'no such account' });
    const token = newSecret();
    await this.accounts.createApiToken(id, name, token);
    await this.record(p, 'account-changed', `token for ${id}`);
    return { token };
  }

  @Get('customers')
  async listCustomers() {
    const rows = (await this.dataSource.query(
      'SELECT id, profile, agreement, updated_at, deactivated_at FROM customers ORDER BY id',
    )) as CustomerRow[];
    return { customers: rows.map(customerView) };
  }

  @Get('customers/:id')
  async getCustomer(@Param('id') id: string) {
    return customerView(await this.customerRow(id));
  }

  /** Registers or replaces a customer. A changed agreement must carry a higher version. */
  @Put('customers/:id')
  async putCustomer(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    const customer = parseBody(Customer, body);
    if (customer.id !== id) throw idMismatch();
    const [existing] = (await this.dataSource.query('SELECT agreement FROM customers WHERE id = $1', [
      id,
    ])) as Array<{
      agreement: Customer['agreement'];
    }>;
    if (
      existing &&
      JSON.stringify(existing.agreement) !== JSON.stringify(customer.agreement) &&
      customer.agreement.version <= existing.agreement.version
    ) {
      throw new ConflictException({
        code: 'CUSTOMER.AGREEMENT_VERSION',
        message: 'a changed agreement needs a higher version',
        currentVersion: existing.agreement.version,
      });
    }
    await upsertCustomers(this.dataSource, [customer]);
    // updated_at moves too, so every stage's registry view reloads and sees the customer active again.
    await this.dataSource.query(
      'UPDATE customers SET deactivated_at = NULL, updated_at = now() WHERE id = $1 AND deactivated_at IS NOT NULL',
      [id],
    );
    await this.record(p, 'customer-changed', `registered ${id}`);
    return customerView(await this.customerRow(id));
  }

  @Post('customers/:id/deactivate')
  @HttpCode(200)
  async deactivateCustomer(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    await this.customerRow(id);
    await this.dataSource.query(
      'UPDATE customers SET deactivated_at = now(), updated_at = now() WHERE id = $1 AND deactivated_at IS NULL',
      [id],
    );
    await this.record(p, 'customer-changed', `deactivated ${id}`);
    return customerView(await this.customerRow(id));
  }

  @Get('subscribers')
  async listSubscribers() {
    const rows = (await this.dataSource.query('SELECT * FROM subscribers ORDER BY id')) as SubscriberRow[];
    return { subscribers: rows.map(subscriberView) };
  }

  @Get('subscribers/:id')
  async getSubscriber(@Param('id') id: string) {
    return subscriberView(await this.subscriberRow(id));
  }

  /** Registers or replaces a subscriber (validated by the contracts' registration schema). */
  @Put('subscribers/:id')
  async putSubscriber(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    const sub = parseBody(SubscriberRegistration, body);
    if (sub.id !== id) throw idMismatch();
    await upsertSubscribers(this.dataSource, [sub]);
    await this.record(p, 'subscriber-changed', `registered ${id}`);
    return subscriberView(await this.subscriberRow(id));
  }

  @Post('subscribers/:id/deactivate')
  @HttpCode(200)
  async deactivateSubscriber(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    await this.subscriberRow(id);
    await this.dataSource.query('UPDATE subscribers SET active = false, updated_at = now() WHERE id = $1', [
      id,
    ]);
    await this.record(p, 'subscriber-changed', `deactivated ${id}`);
    return subscriberView(await this.subscriberRow(id));
  }

  /** Verifies the audit log's hash chain end to end. */
  @Get('audit/verify')
  async verifyAudit() {
    return this.audit.verify();
  }

  /** Queue figures for the operator (the same ones exported as metrics). */
  @Get('queue')
  async queue() {
    await this.metrics.refresh();
    return this.metrics.snapshot();
  }

  private async customerRow(id: string): Promise<CustomerRow> {
    if (!CustomerId.safeParse(id).success) throw customerNotFound();
    const [row] = (await this.dataSource.query(
      'SELECT id, profile, agreement, updated_at, deactivated_at FROM customers WHERE id = $1',
      [id],
    )) as CustomerRow[];
    if (!row) throw customerNotFound();
    return row;
  }

  private async subscriberRow(id: string): Promise<SubscriberRow> {
    if (!SubscriberId.safeParse(id).success) throw subscriberNotFound();
    const [row] = (await this.dataSource.query('SELECT * FROM subscribers WHERE id = $1', [
      id,
    ])) as SubscriberRow[];
    if (!row) throw subscriberNotFound();
    return row;
  }

  private async record(p: Principal, action: AuditAction, reason: string): Promise<void> {
    await this.dataSource.transaction((em) =>
      this.audit.append(em, [
        {
          at: new Date().toISOString(),
          actor: p.accountId,
          action,
          caseId: null,
          beforeHash: null,
          afterHash: null,
          reason,
        },
      ]),
    );
  }
}

function idMismatch() {
  return new ConflictException({
    code: 'REQUEST.ID_MISMATCH',
    message: 'the body id must match the path id',
  });
}
function customerNotFound() {
  return new NotFoundException({ code: 'CUSTOMER.NOT_FOUND', message: 'no such customer' });
}
function subscriberNotFound() {
  return new NotFoundException({ code: 'SUBSCRIBER.NOT_FOUND', message: 'no such subscriber' });
}

function customerView(r: CustomerRow) {
  return {
    ...r.profile,
    id: r.id,
    agreement: r.agreement,
    updatedAt: r.updated_at,
    deactivatedAt: r.deactivated_at,
  };
}

function subscriberView(r: SubscriberRow) {
  return {
    id: r.id,
    name: r.name,
    sectors: r.sectors,
    tlpClearance: r.tlp_clearance,
    filters: r.filters,
    channels: r.channels,
    active: r.active,
    /** Whether a TAXII key is set; the key itself is never returned. */
    taxiiApiKeySet: Boolean(r.taxii_api_key_hash),
    updatedAt: r.updated_at,
  };
}
