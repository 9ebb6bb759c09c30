/**
 * The floor under any refresh of the chain: writing only the rows that changed, into copies of
 * the engine's MV tables with the same indexes (the key's and its consumers' lookup indexes),
 * in one transaction and one round trip. What changed is found untimed, after the engine's
 * refresh, by comparing the engine's tables with the copies over the window of time the bench's
 * batches touch (new messages, and the last historical messages, whose campaigns are updated).
 */
import type { Manifest } from '@mvkit/compiler';
import type { Db } from '../../packages/runtime/src/db/db.ts';
import { CHAIN, TIME, nodeOf, selectOver } from './peer.ts';

const floorTable = (name: string) => `floor_${name}`;

/**
 * Each MV's statements of the chain in one transaction and one round trip (after `settings`),
 * timed per MV by clock_timestamp() before and after them, kept in session settings named by
 * `tag` (a SELECT among the statements would add its rows to the round trip's results).
 */
async function timedPerMv(db: Db, tag: string, settings: readonly string[], statementsOf: (name: string) => string[]): Promise<Record<string, number>> {
  const mark = (k: number) => `SELECT set_config('mvkit_floor.${tag}${k}', (extract(epoch FROM clock_timestamp()) * 1000)::text, false)`;
  const stmts = ['BEGIN', ...settings, mark(0)];
  for (const [k, name] of CHAIN.entries()) stmts.push(...statementsOf(name), mark(k + 1));
  stmts.push('COMMIT');
  await db.exec(stmts.join(';\n'));
  const marks = Array.from({ length: CHAIN.length + 1 }, (_, k) => `current_setting('mvkit_floor.${tag}${k}') AS m${k}`);
  const [t] = await db.query<Record<string, string>>(`SELECT ${marks.join(', ')}`);
  return Object.fromEntries(CHAIN.map((name, k) => [name, Number(t![`m${k + 1}`]) - Number(t![`m${k}`])]));
}


export interface Floor {
  /** Finds what changed since the last apply (untimed). */
  stage(): Promise<number>;
  /**
   * The timed part: the changed rows written. Answers how long each MV's writes took, read from
   * the server's clock between them inside the one round trip (not a round trip per MV).
   */
  apply(): Promise<Record<string, number>>;
  /**
   * The reads under any refresh of the chain, timed like apply (one round trip, the server's
   * clock between them): each MV's own SELECT evaluated over only what its input changed, as
   * staged by stage(): the batch's events (messages); the messages whose enriched rows changed,
   * joined to the dimensions (messages_enriched); the old and the new images of the input's
   * changed rows (the group stores). Left out, and so not counted: looking up the stored rows
   * (apply's writes do that), weighting old images out, change tracking, watermarks. An estimate
   * of the reads a refresh needs, not a strict bound: the model's SELECT is planned as it is, and
   * a read planned otherwise can be faster (the engine's own delta of messages, at times).
   */
  reads(): Promise<Record<string, number>>;
  /** Rows that differ between the engine's tables and the copies inside the window (0 after apply). */
  differences(): Promise<number>;
}

/**
 * `since`: the start of the window the batches touch, as an SQL timestamp expression;
 * `sequence`: the landing table's sequence, whose values between two stages are a batch's events.
 */
export async function createFloor(db: Db, since: string, manifest: Manifest, sequence: string): Promise<Floor> {
  const last = async () => {
    const [r] = await db.query<{ v: string }>(`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS v FROM ${sequence}`);
    return r!.v;
  };
  // The landing table's range of the last staged batch: (lo, hi].
  let lo = await last();
  let hi = lo;
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
        await db.exec(`DROP TABLE IF EXISTS fs_new_${name}, fs_upd_${name}, fs_ins_${name}, fs_gone_${name}, fs_old_${name};
CREATE TABLE fs_new_${name} AS ${diffSql(name)};
CREATE TABLE fs_upd_${name} AS SELECT s.* FROM fs_new_${name} s WHERE EXISTS (SELECT 1 FROM ${f} x WHERE x._ivm_k = s._ivm_k);
CREATE TABLE fs_ins_${name} AS SELECT s.* FROM fs_new_${name} s WHERE NOT EXISTS (SELECT 1 FROM ${f} x WHERE x._ivm_k = s._ivm_k);
CREATE TABLE fs_gone_${name} AS SELECT x._ivm_k FROM ${f} x WHERE ${win(name, 'x')} AND NOT EXISTS (SELECT 1 FROM ${name} y WHERE y._ivm_k = x._ivm_k);
CREATE TABLE fs_old_${name} AS SELECT x.* FROM ${f} x WHERE ${win(name, 'x')} AND (x._ivm_k IN (SELECT _ivm_k FROM fs_new_${name}) OR x._ivm_k IN (SELECT _ivm_k FROM fs_gone_${name}));
ANALYZE fs_new_${name}, fs_upd_${name}, fs_ins_${name}, fs_gone_${name}, fs_old_${name};`);
        const [r] = await db.query<{ n: number }>(`SELECT ((SELECT count(*) FROM fs_new_${name}) + (SELECT count(*) FROM fs_gone_${name}))::int AS n`);
        n += r?.n ?? 0;
      }
      // The messages (as they are now) whose enriched rows changed, and the batch's range.
      await db.exec(`DROP TABLE IF EXISTS fs_src_messages_enriched;
CREATE TABLE fs_src_messages_enriched AS SELECT m.* FROM messages m WHERE (m.tenant_id, m.message_id) IN (SELECT tenant_id, message_id FROM fs_new_messages_enriched);
ANALYZE fs_src_messages_enriched;`);
      [lo, hi] = [hi, await last()];
      return n;
    },
    async reads() {
      const images = (name: string) => `(SELECT * FROM fs_new_${name} UNION ALL SELECT * FROM fs_old_${name})`;
      const sources: Record<string, [string, string]> = {
        messages: ['message_events', `(SELECT * FROM message_events WHERE _ivm_seq > ${lo} AND _ivm_seq <= ${hi}) message_events`],
        messages_enriched: ['messages', 'fs_src_messages_enriched'],
        delivery_hourly: ['messages_enriched', `${images('messages_enriched')} messages_enriched`],
        delivery_daily: ['delivery_hourly', `${images('delivery_hourly')} delivery_hourly`],
        tenant_channel_daily: ['delivery_daily', `${images('delivery_daily')} delivery_daily`],
        tenant_daily: ['tenant_channel_daily', `${images('tenant_channel_daily')} tenant_channel_daily`],
      };
      // With the engine's settings for its refreshes: memory for hashing, grouping by hashing.
      return timedPerMv(db, 'r', ["SET LOCAL work_mem = '32MB'", 'SET LOCAL enable_sort = off'], (name) => {
        const [input, source] = sources[name]!;
        // count(q) reads the whole row: every output column is computed (none is pruned away).
        return [`SELECT count(q) FROM (\n${selectOver(nodeOf(manifest, name), input, source)}\n) q`];
      });
    },
    async apply() {
      return timedPerMv(db, 't', [], (name) => {
        const f = floorTable(name);
        const cs = columns.get(name)!.filter((c) => c !== '_ivm_k');
        return [
          `DELETE FROM ${f} x USING fs_gone_${name} g WHERE x._ivm_k = g._ivm_k`,
          `UPDATE ${f} x SET (${cs.join(', ')}) = (${cs.map((c) => `s.${c}`).join(', ')}) FROM fs_upd_${name} s WHERE x._ivm_k = s._ivm_k`,
          `INSERT INTO ${f} SELECT * FROM fs_ins_${name}`,
        ];
      });
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
