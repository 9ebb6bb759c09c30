import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { loadLanding, type LoadSummary } from '../../src/load/index.ts';
import { startPostgres, type PostgresServer } from '../../src/testing/postgres-server.ts';
import { ABSENT, CASES, TYPES, type InputCase } from './input-cases.ts';
import { createInputTables, inputManifest } from './input-models.ts';

const manifest = inputManifest();
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `mvkit-${prefix}-`));
const BATCH = '2026-11-27T10-00-00Z_0001';
const AT = '2026-11-27T10:00:00Z';

let server: PostgresServer;
beforeAll(async () => { server = await startPostgres(); }, 180_000);
afterAll(async () => { await server?.stop(); });

const engines = [
  { kind: 'pglite', open: async () => openPglite(join(tempDir('input-pglite'), 'data')) },
  { kind: 'postgres', open: async () => openPostgres(await server.createDatabase(`input_${Math.random().toString(36).slice(2, 10)}`)) },
] as const;

/** One case in one format: its own landing folder holding one file with one record, loaded on its own. */
interface Variant {
  readonly name: string;
  readonly c: InputCase;
  readonly id: string;
  readonly batch: string;
  readonly file: string;
  readonly content: string;
  /** The line the record is on (CSV: after the header). */
  readonly line: number;
}

function variants(): Variant[] {
  return CASES.flatMap((c, k) => {
    const out: Variant[] = [];
    const expected = c.reject !== undefined ? `rejected: ${c.reject}` : c.stored === null ? 'NULL' : JSON.stringify(c.stored);
    if (c.json !== undefined) {
      const id = `j${k}`;
      const fields = ['"tenant_id":"t1"', `"reading_id":"${id}"`, ...(c.col === 'at' ? [] : [`"at":"${AT}"`]), ...(c.json === ABSENT ? [] : [`"${c.col}":${c.json}`])];
      const raw = c.json === ABSENT ? '(absent)' : c.json;
      out.push({ name: `${TYPES[c.col]} NDJSON ${raw} → ${expected}`, c, id, batch: `${BATCH}_${id}`, file: 'readings.ndjson', content: `{${fields.join(',')}}\n`, line: 1 });
    }
    if (c.csv !== undefined) {
      const id = `c${k}`;
      // A byte-order mark and CRLF line ends on every CSV file: both must be invisible in the values.
      const header = c.col === 'at' ? 'tenant_id,reading_id,at' : `tenant_id,reading_id,at,${c.col}`;
      const row = c.col === 'at' ? `t1,${id},${c.csv}` : `t1,${id},${AT},${c.csv}`;
      out.push({ name: `${TYPES[c.col]} CSV ${JSON.stringify(c.csv)} → ${expected}`, c, id, batch: `${BATCH}_${id}`, file: 'readings.csv', content: `\ufeff${header}\r\n${row}\r\n`, line: 2 });
    }
    return out;
  });
}

const readBack = (col: InputCase['col']) =>
  col === 'at' ? "to_char(at, 'YYYY-MM-DD HH24:MI:SS.US')" : col === 'day' ? "to_char(day, 'YYYY-MM-DD')" : `${col}::text`;

describe.each(engines)('input values on $kind', (engine) => {
  const all = variants();
  const results = new Map<string, { summary?: LoadSummary; error?: string; rows: { v: string | null }[] }>();
  let db: Db;

  beforeAll(async () => {
    db = await engine.open();
    await createInputTables(db, manifest);
    const root = tempDir('input-landing');
    for (const v of all) {
      const landing = join(root, v.id);
      // Its own batch folder too: the loader knows a file by its path under the landing folder.
      mkdirSync(join(landing, v.batch), { recursive: true });
      writeFileSync(join(landing, v.batch, v.file), v.content);
      let summary: LoadSummary | undefined;
      let error: string | undefined;
      try {
        summary = await loadLanding(db, manifest, { landing });
      } catch (e) {
        error = (e as Error).message;
      }
      const rows = await db.query<{ v: string | null }>(`SELECT ${readBack(v.c.col)} AS v FROM readings WHERE reading_id = $1`, [v.id]);
      results.set(v.id, { summary, error, rows });
    }
  }, 600_000);
  afterAll(async () => { await db?.close(); });

  // One test per variant, named in full (it.each would shorten the raw values in the names).
  for (const v of all) it(v.name, () => {
    const r = results.get(v.id)!;
    // A value the loader let through but the database refused fails the whole file's transaction.
    expect(r.error, 'the load failed').toBeUndefined();
    const s = r.summary!;
    if (v.c.reject !== undefined) {
      expect(r.rows, 'nothing stored').toEqual([]);
      expect(s.rejects.map((j) => ({ file: j.file, line: j.line }))).toEqual([{ file: `${v.batch}/${v.file}`, line: v.line }]);
      expect(s.rejects[0]!.error).toContain(v.c.reject);
      expect(s.rejects[0]!.error).toContain(v.c.col);
    } else {
      expect(s.rejects.map((j) => j.error), 'no reject').toEqual([]);
      expect(r.rows).toEqual([{ v: v.c.stored }]);
    }
  });
});

describe.each(engines)('input files on $kind', (engine) => {
  let db: Db;
  beforeAll(async () => { db = await engine.open(); await createInputTables(db, manifest); });
  afterAll(async () => { await db?.close(); });

  const landingWith = (files: Record<string, string>) => {
    const landing = join(tempDir('input-files'), 'landing');
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(landing, path, '..'), { recursive: true });
      writeFileSync(join(landing, path), content);
    }
    return landing;
  };

  it('loads the good lines of a CSV file around a malformed one, and reports that one with file:line', async () => {
    const landing = landingWith({
      [`${BATCH}/readings.csv`]: [
        'tenant_id,reading_id,at,note,big',
        `f1,r1,${AT},"multi`,
        'line ""q"", x",1',
        `f1,r2,${AT},too,many,fields`,
        `f1,r3,${AT},"never closed,2`,
        `f1,r4,${AT},,4`,
      ].join('\n') + '\n',
    });
    const s = await loadLanding(db, manifest, { landing });
    expect(s.rejects.map((r) => [r.line, r.error])).toEqual([
      [4, 'wrong column count: 6 fields, the header has 5'],
      [5, 'a quote opened on this line is never closed'],
    ]);
    expect(await db.query("SELECT reading_id, note, big::text AS big FROM readings WHERE tenant_id = 'f1' ORDER BY reading_id")).toEqual([
      { reading_id: 'r1', note: 'multi\nline "q", x', big: '1' },
      { reading_id: 'r4', note: null, big: '4' },
    ]);
  });

  it('takes stream lines with or without op "insert" and rejects any other op', async () => {
    const landing = landingWith({
      [`${BATCH}/readings.ndjson`]: [
        `{"tenant_id":"o1","reading_id":"r1","at":"${AT}"}`,
        `{"op":"insert","tenant_id":"o1","reading_id":"r2","at":"${AT}"}`,
        `{"op":"update","tenant_id":"o1","reading_id":"r3","at":"${AT}"}`,
      ].join('\n') + '\n',
    });
    const s = await loadLanding(db, manifest, { landing });
    expect(s.rejects.map((r) => [r.line, r.error])).toEqual([[3, 'streams are append-only: op "update" is not insert']]);
    expect(await db.query("SELECT reading_id FROM readings WHERE tenant_id = 'o1' ORDER BY 1")).toEqual([{ reading_id: 'r1' }, { reading_id: 'r2' }]);
  });

  it('deletes a dimension row from a line that carries only the key, and updates another exactly', async () => {
    const landing = landingWith({
      [`${BATCH}/places.ndjson`]: [
        '{"op":"insert","place_id":"p1","name":"One","pop":1}',
        '{"op":"insert","place_id":"p2","name":"Two","pop":2}',
        '{"op":"insert","place_id":"p3","name":"Three","pop":3}',
      ].join('\n') + '\n',
      '2026-11-27T11-00-00Z_0002/places.csv': 'op,place_id,name,pop\r\ndelete,p1,,\r\nupdate,p2,"Two, again",9007199254740993\r\n',
      '2026-11-27T12-00-00Z_0003/places.ndjson': '{"op":"delete","place_id":"p3"}\n',
    });
    const s = await loadLanding(db, manifest, { landing });
    expect(s.rejects).toEqual([]);
    expect(await db.query('SELECT place_id, name, pop::text AS pop FROM places ORDER BY 1')).toEqual([{ place_id: 'p2', name: 'Two, again', pop: '9007199254740993' }]);
  });

  it('loads events without an event time into a stream that declares it optional, still checking the times it has', async () => {
    expect(manifest.streams.find((s) => s.name === 'pings')!.eventTimeOptional).toBe(true);
    expect(manifest.streams.find((s) => s.name === 'readings')!.eventTimeOptional).toBeUndefined();
    const landing = landingWith({
      [`${BATCH}/pings.ndjson`]: [
        '{"tenant_id":"t1","ping_id":"p1","at":null}',
        '{"tenant_id":"t1","ping_id":"p2"}',
        '{"tenant_id":"t1","ping_id":"p3","at":"2026-02-30T10:00:00+01:00"}',
        '{"tenant_id":"t1","ping_id":"p4","at":"2026-11-27T10:00:00+05:30"}',
      ].join('\n') + '\n',
    });
    const s = await loadLanding(db, manifest, { landing });
    expect(s.rejects.map((r) => [r.line, r.error])).toEqual([[3, 'at: bad timestamp "2026-02-30T10:00:00+01:00": February 2026 has 28 days']]);
    expect(await db.query("SELECT ping_id, to_char(at, 'YYYY-MM-DD HH24:MI:SS') AS at FROM pings ORDER BY 1")).toEqual([
      { ping_id: 'p1', at: null }, { ping_id: 'p2', at: null }, { ping_id: 'p4', at: '2026-11-27 04:30:00' },
    ]);
  });
});
