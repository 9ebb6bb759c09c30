import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TokensFileError } from './errors.ts';

/** Bearer token → tenant. The tenant of a request comes from here only. */
export type TokenMap = ReadonlyMap<string, string>;

const MIN_TOKEN = 16;

/** A fresh random token per tenant (for the local demo; printed, never stored in the project). */
export function generateTokens(tenants: readonly string[]): TokenMap {
  return new Map(tenants.map((t) => [randomBytes(18).toString('base64url'), t]));
}

/**
 * Reads a tokens file: a JSON object of token → tenant, e.g. {"k3Jd…": "tenant_001"}. Tokens are at
 * least 16 characters; a tenant may have several tokens.
 */
export function readTokensFile(path: string): TokenMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TokensFileError(`cannot read the tokens file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'pass --tokens with the path of a JSON file of token → tenant, or leave it out to get generated tokens' });
  }
  return parseTokens(text, path);
}

export function parseTokens(text: string, path: string): TokenMap {
  const shape = 'the file holds one JSON object of token → tenant, e.g. {"a-long-random-token-1": "tenant_001"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TokensFileError(`${path} is not JSON: ${(e as Error).message}`, { hint: shape });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TokensFileError(`${path} is not a JSON object`, { hint: shape });
  const out = new Map<string, string>();
  for (const [token, tenant] of Object.entries(parsed)) {
    if (typeof tenant !== 'string' || tenant === '') throw new TokensFileError(`${path}: the tenant of token "${token.slice(0, 4)}…" is not a non-empty string`, { hint: shape });
    if (token.length < MIN_TOKEN || !/^[\x21-\x7e]+$/.test(token)) throw new TokensFileError(`${path}: the token for ${tenant} is shorter than ${MIN_TOKEN} characters or holds spaces or non-ASCII characters`, { hint: 'use long random tokens, e.g. the output of `openssl rand -base64 24`' });
    out.set(token, tenant);
  }
  if (!out.size) throw new TokensFileError(`${path} holds no tokens`, { hint: shape });
  return out;
}

/** The token of an `Authorization: Bearer <token>` header, or null (absent or malformed). */
export function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header.trim()) : null;
  return m ? m[1]! : null;
}
