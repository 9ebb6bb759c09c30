import { describe, expect, it } from 'vitest';
import { aggregate, buildGraph, cast, enrichment, sqlModel, stream, t, type ColumnTypes, type Model } from '@mvkit/compiler';
import { MAX_COLUMN_NAME_BYTES, MAX_MODEL_NAME_BYTES, namesPass } from '../src/passes/names.ts';
import { POSTGRES_RESERVED, REDSHIFT_RESERVED } from '../src/passes/reserved-words.ts';
import { typeBoundProblem, typeBoundsPass } from '../src/passes/type-bounds.ts';

const events = <const C extends ColumnTypes>(columns: C, name = 'events') =>
  stream(name, { columns: { tenant_id: t.varchar(32), at: t.timestamp(), ...columns }, key: ['tenant_id'], tenant: 'tenant_id', eventTime: 'at' as never });

const names = (models: Model[]) => namesPass(buildGraph(models));

describe('names', () => {
  it('a column named like a Postgres reserved word is an error naming both targets, with renames in the hint', () => {
    const ds = names([events({ user: t.varchar(64) })]);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: 'reserved-word', severity: 'error', model: 'events' });
    expect(ds[0]!.message).toContain('column "user" of "events" is a reserved word in Postgres and Redshift');
    expect(ds[0]!.hint).toBe('rename the column "user" (reserved in Postgres and Redshift), e.g. to "user_id" or "user_name"');
    expect(ds[0]!.file).toMatch(/names\.test\.ts$/);
  });

  it('a reserved column carried into other models is reported once, where it is declared', () => {
    const e = events({ group: t.varchar(8) });
    const a = aggregate('by_group', { from: e, groupBy: ['tenant_id', 'group'], measures: (m) => ({ n: m.count() }) });
    expect(names([e, a]).map((d) => `${d.model}: ${d.code}`)).toEqual(['events: reserved-word']);
  });

  it('words reserved only in Redshift are errors too, whatever the targets: the project must deploy to both', () => {
    for (const w of ['tag', 'snapshot', 'open', 'pivot', 'timestamp', 'top']) {
      const ds = names([events({ [w]: t.varchar(8) })]);
      expect(ds.map((d) => d.code), w).toEqual(['reserved-word']);
      expect(ds[0]!.message).toContain('reserved word in Redshift:');
    }
  });

  it('model names, measures (an avg\'s _sum and _count too), buckets and derived columns are checked', () => {
    const e = events({ amount: t.varchar(8) });
    const bad = [
      aggregate('group', { from: e, groupBy: ['tenant_id'], measures: (m) => ({ n: m.count() }) }),
      aggregate('a1', { from: e, groupBy: ['tenant_id'], bucket: { name: 'table', grain: 'day', column: 'at' }, measures: (m) => ({ select: m.count() }) }),
      aggregate('a2', { from: e, groupBy: ['tenant_id'], measures: (m, c) => ({ x: m.avg(cast(c.amount, 'INTEGER', 'number')) }) }),
      enrichment('e2', { from: e, joins: () => [], derive: (c) => ({ offset: c.amount }) }),
    ];
    const got = names([e, ...bad]).map((d) => `${d.model}: ${d.message.split(' is ')[0]}`);
    expect(got).toEqual(['group: model "group"', 'a1: bucket "table" of "a1"', 'a1: measure "select" of "a1"', 'e2: derived column "offset" of "e2"']);
    // The avg stores x_sum and x_count: a name whose suffix lands on a reserved word is caught.
    const avg = aggregate('a3', { from: e, groupBy: ['tenant_id'], measures: (m, c) => ({ sum: m.avg(cast(c.amount, 'INTEGER', 'number')) }) });
    expect(Object.keys(avg.columns)).toContain('sum_count');
    expect(names([e, avg])).toEqual([]);
  });

  it('length limits: models 51 bytes, columns 54 bytes, each message says which limit and why', () => {
    expect(MAX_MODEL_NAME_BYTES).toBe(51);
    expect(MAX_COLUMN_NAME_BYTES).toBe(54);
    const ok = events({ ['c'.repeat(54)]: t.varchar(8) }, 'm'.repeat(51));
    expect(names([ok])).toEqual([]);
    const ds = names([events({ ['c'.repeat(55)]: t.varchar(8) }, 'm'.repeat(52))]);
    expect(ds.map((d) => d.code)).toEqual(['name-too-long', 'name-too-long']);
    expect(ds[0]!.message).toMatch(/is 52 bytes long; relation names are limited to 51 bytes: Postgres cuts identifiers at 63 bytes \(Redshift at 127\).*mvkit\.ivm_capture_<name>/);
    expect(ds[1]!.message).toMatch(/is 55 bytes long; column names are limited to 54 bytes.*_ivm_del_<column>/);
    // Bytes, not characters: 27 two-byte characters are 54 bytes; and they are not an identifier.
    expect(names([events({ ['é'.repeat(27)]: t.varchar(8) })]).map((d) => d.code)).toEqual(['invalid-name']);
  });

  it('names are lower-case identifiers; a stream join\'s landing table and discriminator are names too', () => {
    const ds = names([events({ Amount: t.varchar(8), 'first-name': t.varchar(8) }, 'Events')]);
    expect(ds.map((d) => `${d.code}: ${d.hint}`)).toEqual([
      'invalid-name: rename the model "Events", e.g. to "events"',
      'invalid-name: rename the column "Amount", e.g. to "amount"',
      'invalid-name: rename the column "first-name", e.g. to "first_name"',
    ]);
  });

  it('a column may not take the prefix of the local engine\'s hidden columns', () => {
    expect(names([events({ _ivm_count: t.varchar(8) })]).map((d) => d.code)).toEqual(['reserved-name']);
  });

  it('sqlModel columns are checked like DSL columns', () => {
    const s = sqlModel('report', { materialized: 'view', sql: 'SELECT 1 AS "user"', columns: { user: t.int() } });
    expect(names([s]).map((d) => d.code)).toEqual(['reserved-word']);
  });

  it('the lists hold what the targets reserve, and not the words Postgres takes as column names', () => {
    for (const w of ['user', 'order', 'group', 'table', 'select', 'offset', 'left', 'join']) expect(POSTGRES_RESERVED.has(w), w).toBe(true);
    for (const w of ['tag', 'snapshot', 'open', 'pivot', 'timestamp', 'top', 'delta']) expect(REDSHIFT_RESERVED.has(w), w).toBe(true);
    // 'C' keywords: Postgres takes them as column names in every position mvkit writes.
    for (const w of ['values', 'position', 'time', 'name', 'date']) expect(POSTGRES_RESERVED.has(w), w).toBe(false);
  });
});

describe('type bounds', () => {
  it('VARCHAR, CHAR and NUMERIC past Redshift\'s limits are errors at the declaring model, with the bound and the fix', () => {
    const s = stream('payments', {
      columns: { tenant_id: t.varchar(32), memo: t.varchar(70000), code: t.char(5000), amount: t.numeric(40, 2), rate: t.numeric(4, 6), at: t.timestamp() },
      key: ['tenant_id'], tenant: 'tenant_id', eventTime: 'at',
    });
    const ds = typeBoundsPass(buildGraph([s]));
    expect(ds.map((d) => d.message)).toEqual([
      'column "memo" of "payments": VARCHAR(70000) is longer than Redshift allows: VARCHAR is at most 65535 bytes (Postgres allows more, but the project must deploy to both)',
      'column "code" of "payments": CHAR(5000) is longer than Redshift allows: CHAR is at most 4096 bytes (Postgres allows more, but the project must deploy to both)',
      'column "amount" of "payments": NUMERIC(40,2) has precision 40; Redshift allows a NUMERIC precision of 1 to 38 digits',
      'column "rate" of "payments": NUMERIC(4,6) has scale 6; the scale must be between 0 and the precision (4)',
    ]);
    expect(ds.map((d) => d.hint)).toEqual(['use t.varchar(65535) or less', 'use t.char(4096) or less, or t.varchar(n) for longer text', 'use t.numeric(38, 2) or less, or t.double() for wider ranges', 'use t.numeric(4, 4)']);
    expect(ds.every((d) => d.model === 'payments' && d.severity === 'error')).toBe(true);
  });

  it('the bounds themselves are accepted, and casts in expressions are checked', () => {
    for (const ok of ['VARCHAR(65535)', 'CHAR(4096)', 'NUMERIC(38,38)', 'NUMERIC(1,0)', 'BIGINT', 'DOUBLE PRECISION']) expect(typeBoundProblem(ok), ok).toBeNull();
    for (const bad of ['VARCHAR(0)', 'VARCHAR(65536)', 'CHAR(4097)', 'NUMERIC(39,0)', 'NUMERIC(0,0)']) expect(typeBoundProblem(bad), bad).not.toBeNull();
    const e = events({ v: t.varchar(8) });
    const a = aggregate('a', { from: e, groupBy: ['tenant_id'], measures: (m, c) => ({ n: m.max(cast(c.v, 'VARCHAR(100000)', 'text')) }) });
    expect(typeBoundsPass(buildGraph([e, a])).map((d) => `${d.model}: ${d.message}`)).toEqual([
      'a: a cast in "a": VARCHAR(100000) is longer than Redshift allows: VARCHAR is at most 65535 bytes (Postgres allows more, but the project must deploy to both)',
    ]);
  });
});
