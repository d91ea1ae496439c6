import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { ReviewRole } from '@kyoyu/persistence';
import { secretHash } from './tokens';

export interface AccountRow {
  id: string;
  username: string;
  displayName: string;
  role: ReviewRole;
  clearances: string[];
  active: boolean;
}

interface DbAccount {
  id: string;
  username: string;
  display_name: string;
  role: ReviewRole;
  clearances: string[];
  active: boolean;
  password_hash?: string;
}

const COLUMNS = 'a.id, a.username, a.display_name, a.role, a.clearances, a.active';

function toRow(r: DbAccount): AccountRow {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    clearances: r.clearances,
    active: r.active,
  };
}

/** Accounts, their sessions and API tokens. Secrets are stored hashed only. */
@Injectable()
export class AccountsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(a: Omit<AccountRow, 'id' | 'active'> & { passwordHash: string }): Promise<AccountRow | null> {
    const now = new Date();
    const rows = (await this.dataSource.query(
      `INSERT INTO review_accounts AS a (id, username, display_name, password_hash, role, clearances, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7) ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
      [randomUUID(), a.username, a.displayName, a.passwordHash, a.role, a.clearances, now],
    )) as DbAccount[];
    return rows[0] ? toRow(rows[0]) : null;
  }

  async update(
    id: string,
    change: Partial<Pick<AccountRow, 'displayName' | 'role' | 'clearances' | 'active'>> & {
      passwordHash?: string;
    },
  ): Promise<AccountRow | null> {
    const rows = (await this.dataSource.query(
      `UPDATE review_accounts AS a SET
         display_name = coalesce($2, display_name), role = coalesce($3, role),
         clearances = coalesce($4, clearances), active = coalesce($5, active),
         password_hash = coalesce($6, password_hash), updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        change.displayName ?? null,
        change.role ?? null,
        change.clearances ?? null,
        change.active ?? null,
        change.passwordHash ?? null,
      ],
    )) as [DbAccount[], number];
    const row = rows[0][0];
    if (row && change.active === false) {
      await this.dataSource.query('DELETE FROM review_sessions WHERE account_id = $1', [id]);
    }
    return row ? toRow(row) : null;
  }

  async list(): Promise<AccountRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM review_accounts a ORDER BY username`,
    )) as DbAccount[];
    return rows.map(toRow);
  }

  async byUsername(username: string): Promise<(AccountRow & { passwordHash: string }) | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS}, a.password_hash FROM review_accounts a WHERE username = $1`,
      [username],
    )) as DbAccount[];
    const r = rows[0];
    return r ? { ...toRow(r), passwordHash: r.password_hash ?? '' } : null;
  }

  async createSession(accountId: string, token: string, csrf: string, ttlMs: number): Promise<void> {
    const now = new Date();
    await this.dataSource.query(
      `INSERT INTO review_sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [secretHash(token), accountId, csrf, now, new Date(now.getTime() + ttlMs)],
    );
    await this.dataSource.query('DELETE FROM review_sessions WHERE expires_at < now()');
  }

  async bySession(token: string): Promise<{ account: AccountRow; csrf: string } | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS}, s.csrf_token FROM review_sessions s JOIN review_accounts a ON a.id = s.account_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND a.active`,
      [secretHash(token)],
    )) as Array<DbAccount & { csrf_token: string }>;
    const r = rows[0];
    return r ? { account: toRow(r), csrf: r.csrf_token } : null;
  }

  async endSession(token: string): Promise<void> {
    await this.dataSource.query('DELETE FROM review_sessions WHERE token_hash = $1', [secretHash(token)]);
  }

  async createApiToken(accountId: string, name: string, token: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO review_api_tokens (token_hash, account_id, name, created_at) VALUES ($1, $2, $3, now())`,
      [secretHash(token), accountId, name],
    );
  }

  async byApiToken(token: string): Promise<AccountRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM review_api_tokens t JOIN review_accounts a ON a.id = t.account_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active`,
      [secretHash(token)],
    )) as DbAccount[];
    return rows[0] ? toRow(rows[0]) : null;
  }
}
