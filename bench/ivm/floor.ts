/**
 * The floor under any refresh of the chain: writing only the rows that changed, into copies of
 * the engine's MV tables with the same indexes (the key's and its consumers' lookup indexes),
 * in one transaction and one round trip. What changed is found untimed, after the engine's
 * refresh, by comparing the engine's tables with the copies over the window of time the bench's
 * batches touch (new messages, and the last historical messages, whose campaigns are updated).
 */
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { CHAIN, TIME } from './peer.ts';

const floorTable = (name: string) => `floor_${name}`;


export interface Floor {
  /** Finds what changed since the last apply (untimed). */
  stage(): Promise<number>;
  /**
   * The timed part: the changed rows written. Answers how long each MV's writes took, read from
   * the server's clock between them inside the one round trip (not a round trip per MV).
   */
  apply(): Promise<Record<string, number>>;
  /** Rows that differ between the engine's tables and the copies inside the window (0 after apply). */
  differences(): Promise<number>;
}

/** `since`: the start of the window the batches touch, as an SQL timestamp expression. */
export async function createFloor(db: Db, since: string): Promise<Floor> {
  const columns = new Map<string, string[]>();
  for (const name of CHAIN) {
    const f = floorTable(name);
    await db.exec(`CREATE TABLE ${f} (LIKE ${name} INCLUDING ALL); INSERT INTO ${f} SELECT * FROM ${name};`);
    // The engine's group stores are at fillfactor 70 (their groups are updated in place).
    const [o] = await db.query<{ opts: string[] | null }>(`SELECT reloptions AS opts FROM pg_class WHERE oid = '${name}'::regclass`);
    if (o?.opts?.length) await db.exec(`ALTER TABLE ${f} SET (${o.opts.join(', ')})`);
    const rows = await db.query<{ a: string }>(`SELECT attname AS a FROM pg_attribute WHERE attrelid = '${name}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
    columns.set(name, rows.map((r) => r.a));
  }
  await db.exec(`ANALYZE ${CHAIN.map(floorTable).join(', ')}`);
  const win = (name: string, alias: string) => `${alias}.${TIME[name]} >= date_trunc('day', ${since})`;
  const diffSql = (name: string) => `(SELECT * FROM ${name} x WHERE ${win(name, 'x')}) EXCEPT ALL (SELECT * FROM ${floorTable(name)} x WHERE ${win(name, 'x')})`;
  return {
    async stage() {
      let n = 0;
      for (const name of CHAIN) {
        const f = floorTable(name);
        await db.exec(`DROP TABLE IF EXISTS fs_new_${name}, fs_upd_${name}, fs_ins_${name}, fs_gone_${name};
CREATE TABLE fs_new_${name} AS ${diffSql(name)};
CREATE TABLE fs_upd_${name} AS SELECT s.* FROM fs_new_${name} s WHERE EXISTS (SELECT 1 FROM ${f} x WHERE x._ivm_k = s._ivm_k);
CREATE TABLE fs_ins_${name} AS SELECT s.* FROM fs_new_${name} s WHERE NOT EXISTS (SELECT 1 FROM ${f} x WHERE x._ivm_k = s._ivm_k);
CREATE TABLE fs_gone_${name} AS SELECT x._ivm_k FROM ${f} x WHERE ${win(name, 'x')} AND NOT EXISTS (SELECT 1 FROM ${name} y WHERE y._ivm_k = x._ivm_k);
ANALYZE fs_upd_${name}, fs_ins_${name}, fs_gone_${name};`);
        const [r] = await db.query<{ n: number }>(`SELECT ((SELECT count(*) FROM fs_new_${name}) + (SELECT count(*) FROM fs_gone_${name}))::int AS n`);
        n += r?.n ?? 0;
      }
      return n;
    },
    async apply() {
      // Each MV's writes are timed by clock_timestamp() before and after them, kept in session
      // settings (a SELECT among the writes would add its rows to the round trip's results).
      const mark = (k: number) => `SELECT set_config('mvkit_floor.t${k}', (extract(epoch FROM clock_timestamp()) * 1000)::text, false)`;
      const stmts = ['BEGIN', mark(0)];
      for (const [k, name] of CHAIN.entries()) {
        const f = floorTable(name);
        const cs = columns.get(name)!.filter((c) => c !== '_ivm_k');
        stmts.push(
          `DELETE FROM ${f} x USING fs_gone_${name} g WHERE x._ivm_k = g._ivm_k`,
          `UPDATE ${f} x SET (${cs.join(', ')}) = (${cs.map((c) => `s.${c}`).join(', ')}) FROM fs_upd_${name} s WHERE x._ivm_k = s._ivm_k`,
          `INSERT INTO ${f} SELECT * FROM fs_ins_${name}`,
          mark(k + 1),
        );
      }
      stmts.push('COMMIT');
      await db.exec(stmts.join(';\n'));
      const marks = Array.from({ length: CHAIN.length + 1 }, (_, k) => `current_setting('mvkit_floor.t${k}') AS t${k}`);
      const [t] = await db.query<Record<string, string>>(`SELECT ${marks.join(', ')}`);
      return Object.fromEntries(CHAIN.map((name, k) => [name, Number(t![`t${k + 1}`]) - Number(t![`t${k}`])]));
    },
    async differences() {
      let n = 0;
      for (const name of CHAIN) {
        const back = `(SELECT * FROM ${floorTable(name)} x WHERE ${win(name, 'x')}) EXCEPT ALL (SELECT * FROM ${name} x WHERE ${win(name, 'x')})`;
        const [r] = await db.query<{ n: number }>(`SELECT ((SELECT count(*) FROM (${diffSql(name)}) d) + (SELECT count(*) FROM (${back}) d))::int AS n`);
        n += r?.n ?? 0;
      }
      return n;
    },
  };
}
