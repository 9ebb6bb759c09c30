import { sqlOf, type Db, type Statement, type TransactionOptions } from '../../src/db/db.ts';
import type { DeployedNode } from '../../src/plan/plan-types.ts';
import { recordingDb, type Canned } from '../deploy/recording-db.ts';

type Row = Record<string, unknown>;

/**
 * ONLY for the Redshift golden sequences of blue/green (Redshift cannot run here): the deploy
 * tests' recording connection, plus the rows of mvkit's own state tables (deployed_nodes,
 * versions, serving, switches) kept from the statements mvkit sends, so that a sequence of
 * commands (upgrade, apply, rollback, promote) plans each from what the one before recorded.
 */
export function redshiftStateDb(canned: Canned): Db & { readonly log: string[]; clear(): void } {
  const inner = recordingDb(canned);
  const created = new Set<string>(canned.deployed ? ['deployed_nodes'] : []);
  const deployed = new Map<string, Row>((canned.deployed ?? []).map((d: DeployedNode) => [d.name, { ...d, physical: JSON.stringify(d.physical), definition: JSON.stringify(d.definition), deployed_at: '2026-11-27 20:00:00' }]));
  const versions = new Map<string, Row>();
  const serving = new Map<string, Row>();
  const switches: Row[] = [];
  let clock = 0;
  const own = (sql: string, p: readonly unknown[]): Row[] | null => {
    const m = /CREATE TABLE IF NOT EXISTS mvkit\.(\w+)/.exec(sql);
    if (m) created.add(m[1]!);
    if (/FROM pg_tables/.test(sql)) return [{ n: created.has(/tablename = '(\w+)'/.exec(sql)?.[1] ?? '') ? 1 : 0 }];
    if (/^DELETE FROM mvkit\.deployed_nodes WHERE name = \$1/.test(sql)) { deployed.delete(String(p[0])); return []; }
    if (/^INSERT INTO mvkit\.deployed_nodes/.test(sql)) { deployed.set(String(p[0]), { name: p[0], kind: p[1], role: p[2], fingerprint: p[3], physical: p[4], definition: p[5], deployed_at: `2026-11-27 20:${String(++clock).padStart(2, '0')}:00` }); return []; }
    if (/FROM mvkit\.deployed_nodes/.test(sql)) return [...deployed.values()];
    if (/^DELETE FROM mvkit\.versions WHERE physical = \$1/.test(sql)) { versions.delete(String(p[0])); return []; }
    if (/^INSERT INTO mvkit\.versions/.test(sql)) { versions.set(String(p[0]), { physical: p[0], model: p[1], node: p[4], built_at: `2026-11-27 21:${String(++clock).padStart(2, '0')}:00` }); return []; }
    if (/FROM mvkit\.versions/.test(sql)) return [...versions.values()];
    if (/^DELETE FROM mvkit\.serving WHERE env = \$1 AND model = \$2/.test(sql)) { serving.delete(`${p[0]}/${p[1]}`); return []; }
    if (/^INSERT INTO mvkit\.serving/.test(sql)) { serving.set(`${p[0]}/${p[1]}`, { env: p[0], model: p[1], physical: p[2] }); return []; }
    if (/FROM mvkit\.serving WHERE env = \$1/.test(sql)) return [...serving.values()].filter((r) => r.env === p[0]);
    if (/FROM mvkit\.serving/.test(sql)) return [...serving.values()];
    if (/^INSERT INTO mvkit\.switches/.test(sql)) { switches.unshift({ id: p[0], env: p[1], action: p[2], at: `2026-11-27 22:${String(++clock).padStart(2, '0')}:00`, before: p[4], after: p[5], rolled_back: false }); return []; }
    if (/^UPDATE mvkit\.switches SET rolled_back = true WHERE id = \$1/.test(sql)) { for (const s of switches) if (s.id === p[0]) s.rolled_back = true; return []; }
    if (/FROM mvkit\.switches/.test(sql)) return switches.filter((s) => !p.length || s.env === p[0]);
    return null;
  };
  const db: Db & { log: string[]; clear(): void } = {
    kind: 'redshift',
    log: inner.log,
    clear: () => { inner.log.length = 0; },
    async query<T>(statement: Statement, params: readonly unknown[] = []) {
      const sql = sqlOf(statement).trim();
      const rows = await inner.query<T>(statement, params);
      return (own(sql, params) as T[] | null) ?? rows;
    },
    async exec(sql: string) {
      await inner.exec(sql);
      own(sql.trim(), []);
    },
    script: (statements) => inner.script(statements),
    transaction<T>(fn: (tx: Db) => Promise<T>, options?: TransactionOptions) {
      return inner.transaction(() => fn(db), options);
    },
    close: async () => undefined,
  };
  return db;
}
