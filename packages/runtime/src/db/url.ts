import { UsageError } from '@mvkit/compiler';

/**
 * Database URLs carry passwords: nothing here ever puts the raw URL, or any part of its
 * password, into a message. A URL that does not parse is not echoed at all.
 */

const SHAPE = 'postgres://user:password@host:5432/database (a password with @ : / # ? % percent-encoded: @ is %40)';

/** Why `url` is not a usable postgres URL, or undefined when it is. */
export function urlProblem(url: string): string | undefined {
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) return 'it does not start with postgres:// or postgresql://';
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'it does not parse as a URL';
  }
  // An unencoded @ or / in the password moves the host into it: the driver would then look up a
  // piece of the password as a host name (and print it).
  if (/@/.test(u.pathname + u.search + u.hash)) return 'it has an @ after the host: the password holds an unencoded @ or /';
  if (!u.hostname && !u.searchParams.get('host')) return 'it names no host';
  return undefined;
}

/** Throws a UsageError (exit 2) naming where the URL comes from when it is not a usable postgres URL. */
export function checkDatabaseUrl(url: string, source: string): void {
  const problem = urlProblem(url);
  if (problem) throw new UsageError(`${source} is not a valid database URL: ${problem}`, { hint: `use ${SHAPE}` });
}

/** The URL with its password (and a password= parameter) replaced by ***; a URL that does not parse becomes a placeholder. */
export function maskUrl(url: string): string {
  const problem = urlProblem(url);
  if (problem && !problem.startsWith('it does not start')) return '(the database URL, not shown)';
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return '(the database URL, not shown)';
  }
  if (u.password) u.password = '***';
  for (const key of [...u.searchParams.keys()]) if (/pass|secret|token/i.test(key)) u.searchParams.set(key, '***');
  return u.toString().replace(/:\*\*\*@/, ':***@').replace(/%2A%2A%2A/g, '***');
}

/** Every form of the URL's password: as written, decoded, encoded. */
function secretsOf(url: string): string[] {
  const out = new Set<string>();
  const add = (s: string | null | undefined) => {
    if (!s) return;
    out.add(s);
    try { out.add(decodeURIComponent(s)); } catch { /* not encoded */ }
    out.add(encodeURIComponent(s));
  };
  const m = /^[a-z]+:\/\/([^]*)@/i.exec(url.trim());
  // The userinfo up to the last @ (a password may hold @), from the first colon on.
  const userinfo = m?.[1]?.split(/[?#]/)[0];
  if (userinfo?.includes(':')) add(userinfo.slice(userinfo.indexOf(':') + 1));
  try {
    const u = new URL(url.trim());
    add(u.password);
    for (const [k, v] of u.searchParams) if (/pass|secret|token/i.test(k)) add(v);
  } catch {
    /* the raw forms above */
  }
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** `text` (a driver's error, say) with the URL masked and every form of its password replaced by ***. */
export function maskSecrets(text: string, url: string): string {
  let out = text.split(url).join(maskUrl(url));
  for (const s of secretsOf(url)) out = out.split(s).join('***');
  return out;
}
