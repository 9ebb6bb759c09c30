import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redshiftEngine } from '../../src/engines/redshift-engine.ts';
import { deployedNodeOf } from '../../src/plan/build-plan.ts';
import { applyBlueGreen, planBlueGreen } from '../../src/versions/blue-green.ts';
import { renderBlueGreenPlan } from '../../src/versions/render.ts';
import { janitor, promote, rollback } from '../../src/versions/rollback.ts';
import { compileVariant } from './fixture.ts';
import { redshiftStateDb } from './redshift-state-db.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden/redshift');

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  const update = !!(process.env.UPDATE_GOLDEN || process.env.MVKIT_UPDATE_GOLDEN);
  if (update || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    if (!update) throw new Error(`${name} was missing: written, check it in`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const engine = redshiftEngine();
const ROWS = { events: 1_200_000, kinds: 2, mv_tbl__events_enriched__0: 1_200_000, mv_tbl__events_hourly__0: 48_000, mv_tbl__events_daily__0: 2_100, mv_tbl__tenant_daily__0: 700 };

/** Only the statements a cluster runs for the change (mvkit's own state reads and writes are in the files too, marked by `mvkit.`). */
const text = (log: readonly string[]) => log.join('\n\n') + '\n';

describe('Redshift statement sequences of blue/green (golden)', () => {
  it('upgrade, logic change, rollback, environment and promote, janitor: one cluster, one command after the other', async () => {
    const v1 = await compileVariant('v1', 'redshift');
    const db = redshiftStateDb({ deployed: v1.nodes.map((n) => deployedNodeOf(n)), tableRows: ROWS });

    // The first blue/green apply over a project deployed before: versions built, the old MVs dropped in the switch.
    await applyBlueGreen(db, engine, v1);
    golden('upgrade.sql', text(db.log));
    db.clear();

    const v2 = await compileVariant('v2', 'redshift');
    golden('apply-plan.txt', renderBlueGreenPlan(await planBlueGreen(db, engine, v2), 'redshift'));
    db.clear();
    await applyBlueGreen(db, engine, v2);
    const apply = text(db.log);
    golden('apply.sql', apply);
    // An MV is built over its parents' physical MVs, never over a model's view (Redshift refuses an MV over a view).
    expect(apply).toMatch(/CREATE MATERIALIZED VIEW events_daily__[0-9a-f]{8}[^;]*FROM events_hourly__[0-9a-f]{8} AS events_hourly/);
    // The switch: one transaction of view statements.
    const sw = apply.slice(apply.lastIndexOf('BEGIN;', apply.indexOf('CREATE OR REPLACE VIEW')));
    expect(sw.slice(0, sw.indexOf('COMMIT;'))).toMatch(/DROP VIEW IF EXISTS events_hourly;[\s\S]*CREATE VIEW events_hourly AS[\s\S]*CREATE OR REPLACE VIEW events_daily AS/);
    db.clear();

    await rollback(db, engine, v2);
    golden('rollback.sql', text(db.log));
    db.clear();

    const v3 = await compileVariant('v3', 'redshift');
    await applyBlueGreen(db, engine, v3, { env: 'dev' });
    golden('env-apply.sql', text(db.log));
    db.clear();

    await promote(db, engine, 'dev');
    golden('promote.sql', text(db.log));
    db.clear();

    await janitor(db, engine, { all: true });
    golden('janitor.sql', text(db.log));
  });
});
