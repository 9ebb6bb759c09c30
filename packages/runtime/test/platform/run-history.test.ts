import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@mvkit/compiler';
import { applyDeployment } from '../../src/apply/apply.ts';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { engineFor } from '../../src/engines/open-engine.ts';
import { loadLanding } from '../../src/load/index.ts';
import { refreshDeployment } from '../../src/refresh/refresh.ts';
import { runPlatform } from '../../src/run/index.ts';
import { generateSample, writeBatch } from '../../src/sample/index.ts';
import { platformManifest, tempDir } from './helpers.ts';

async function deployed(manifest: Manifest) {
  const db = await openPglite();
  const engine = await engineFor(db);
  await applyDeployment(db, engine, manifest);
  return { db, engine };
}

/** Per MV, its refreshes in the order they ran (durations and times differ between runs). */
const history = (db: Db) => db.query<{ node: string; mode: string; rows: string | number | null; detail: string | null }>('SELECT node, mode, rows, detail FROM mvkit.refresh_history ORDER BY node, at');

describe('mvkit run and mvkit refresh', () => {
  it('a run cycle records its refreshes in mvkit.refresh_history exactly as load + mvkit refresh record them', async () => {
    const manifest = await platformManifest();
    const batches = generateSample({ seed: 5, tenants: 2, events: 400, batches: 3 });
    const mvs = manifest.nodes.filter((n) => n.kind === 'mv').map((n) => n.name);

    const run = await deployed(manifest);
    const runLanding = join(tempDir('run-history'), 'landing');
    const reports = await runPlatform(run.db, manifest, run.engine, {
      landing: runLanding, intervalS: 0, batches: batches.length,
      beforeBatch: (i) => { writeBatch(runLanding, batches[i - 1]!, 'mixed'); },
    });

    const twin = await deployed(manifest);
    const twinLanding = join(tempDir('refresh-history'), 'landing');
    for (const b of batches) {
      writeBatch(twinLanding, b, 'mixed');
      await loadLanding(twin.db, manifest, { landing: twinLanding });
      await refreshDeployment(twin.db, twin.engine, manifest);
    }

    const recorded = await history(run.db);
    // One row per MV and batch, each incremental: the MVs were created empty by apply and every
    // batch's changes are folded in (the platform's MVs are all incrementally maintainable).
    expect(recorded.length).toBe(mvs.length * batches.length);
    expect(recorded.every((r) => r.mode === 'incremental')).toBe(true);
    expect(recorded.some((r) => Number(r.rows) > 0)).toBe(true);
    expect(recorded).toEqual(await history(twin.db));
    // What each batch reports is what it recorded.
    const reported = reports.flatMap((r) => r.refresh.results).map((x) => ({ node: x.node, mode: x.mode, rows: x.rows, detail: x.detail }));
    expect(recorded.map((r) => ({ ...r, rows: Number(r.rows) }))).toEqual(reported.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)));
    await run.db.close();
    await twin.db.close();
  });
});
