import { createHash, randomBytes } from 'node:crypto';
import { SERVING_SCHEMA } from '@mvkit/compiler';
import type { Db } from '../db/db.ts';

/**
 * A new secret token for a tenant: what a client presents (bearer token) and what the server
 * sets as `mvkit.token` for the transaction. Only its SHA-256 is stored: a read of the table
 * does not give the tokens away.
 */
export async function issueTenantToken(op: Db, tenant: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  await op.query(`INSERT INTO ${SERVING_SCHEMA}.tenant_tokens (token_sha256, tenant) VALUES ($1, $2)`, [hash, tenant]);
  return token;
}

/** Revokes every token of a tenant. */
export async function revokeTenantTokens(op: Db, tenant: string): Promise<number> {
  const rows = await op.query(`DELETE FROM ${SERVING_SCHEMA}.tenant_tokens WHERE tenant = $1 RETURNING 1`, [tenant]);
  return rows.length;
}
