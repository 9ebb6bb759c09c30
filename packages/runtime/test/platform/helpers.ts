import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileProject, loadProject, type Manifest } from '@mvkit/compiler';
import type { Db } from '../../src/db/db.ts';

export const REPO = resolve(import.meta.dirname, '../../../..');

let cached: Promise<Manifest> | undefined;
/** The platform's (root project's) manifest for the local engines. */
export function platformManifest(): Promise<Manifest> {
  cached ??= (async () => {
    const r = await compileProject(await loadProject(REPO), 'postgres');
    if (!r.manifest) throw new Error(`the root project does not compile: ${JSON.stringify(r.diagnostics)}`);
    return r.manifest;
  })();
  return cached;
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `mvkit-${prefix}-`));

/** Landing and dimension tables only (the loader's targets), from the manifest's DDL. */
export async function createTables(db: Db, manifest: Manifest): Promise<void> {
  for (const n of manifest.nodes) if (n.kind === 'table') for (const s of n.ddl) await db.exec(s);
}

/** Everything the loader wrote, in a comparable form. */
export async function loadedContents(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const sorted = async (table: string, cols: readonly string[]) =>
    db.query(`SELECT ${cols.join(', ')} FROM ${table} ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`);
  out.message_events = await sorted('message_events', ['tenant_id', 'message_id', 'event_stream', "COALESCE(status, '') AS status",
    "to_char(COALESCE(event_at, submitted_at), 'YYYY-MM-DD HH24:MI:SS.US') AS t", 'campaign_id', 'channel_id', 'recipient_country', 'error_code']);
  out.tenants = await sorted('tenants', ['tenant_id', 'tenant_name', 'plan', 'region']);
  out.campaigns = await sorted('campaigns', ['tenant_id', 'campaign_id', 'campaign_name', 'category']);
  out.channels = await sorted('channels', ['channel_id', 'channel_name', 'provider']);
  out.loaded_files = await sorted('mvkit.loaded_files', ['path', 'sha256', 'rows_loaded', 'rows_rejected']);
  return out;
}
