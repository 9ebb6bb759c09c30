import { describe, expect, it } from 'vitest';
import { buildGraph, compileManifest, DialectError, dialectOf, postgresDialect, redshiftDialect, renderExpr, type ExprNode } from '@mvkit/compiler';

describe('dialects', () => {
  it('an unknown target name is a DialectError naming the targets, never Postgres', () => {
    expect(() => dialectOf('snowflake')).toThrow(DialectError);
    expect(() => dialectOf('toString')).toThrow(/unknown target dialect "toString"/);
    const graph = buildGraph([]);
    expect(() => compileManifest(graph, { target: 'oracle' as never, projectName: 'p', projectDir: '/' })).toThrow(DialectError);
    expect(dialectOf('redshift')).toBe(redshiftDialect);
  });

  it('capabilities decide the DDL: MVs and distribution on Redshift, tables with a key index on Postgres', () => {
    expect(redshiftDialect.capabilities).toMatchObject({ materializedViews: true, distribution: true, indexes: false });
    expect(postgresDialect.capabilities).toMatchObject({ materializedViews: false, distribution: false, indexes: true });
    expect(postgresDialect.createMaterializedView).toBeUndefined();
    expect(redshiftDialect.createMvStorage).toBeUndefined();
  });

  it('secondsBetween: the floor of the elapsed seconds on both, a compound operand kept whole', () => {
    const col = (name: string): ExprNode => ({ kind: 'column', rel: null, name });
    const e: ExprNode = { kind: 'secondsBetween', from: { kind: 'binary', op: '-', left: col('a'), right: col('b') }, to: col('c') };
    expect(renderExpr(e, redshiftDialect)).toBe('CAST(FLOOR(DATE_PART(epoch, c - (a - b))) AS BIGINT)');
    expect(renderExpr(e, postgresDialect)).toBe('CAST(FLOOR(EXTRACT(EPOCH FROM (c - (a - b)))) AS BIGINT)');
  });
});
