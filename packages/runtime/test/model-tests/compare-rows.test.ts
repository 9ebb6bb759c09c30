import { describe, expect, it } from 'vitest';
import { compareRows, renderDiff } from '../../src/model-tests/compare-rows.ts';

const cols = [{ name: 'k', base: 'text' as const }, { name: 'n', base: 'number' as const }, { name: 'at', base: 'timestamp' as const }];

describe('expected vs actual rows', () => {
  it('match in any order, as multisets: a row expected twice must be there twice', () => {
    const a = [{ k: 'a', n: 1, at: '2026-01-01 10:00:00' }, { k: 'a', n: 1, at: '2026-01-01 10:00:00' }, { k: 'b', n: '2.50', at: '2026-01-01 11:00:00' }];
    expect(compareRows('m', cols, [{ k: 'b', n: 2.5, at: '2026-01-01T11:00:00Z' }, { k: 'a', n: 1, at: new Date(Date.UTC(2026, 0, 1, 10)) }, { k: 'a', n: 1, at: '2026-01-01T10:00:00Z' }], a)).toBeNull();
    const d = compareRows('m', cols, [{ k: 'a', n: 1, at: '2026-01-01T10:00:00Z' }, { k: 'b', n: 2.5, at: '2026-01-01T11:00:00Z' }], a);
    expect(d?.missing).toEqual([]);
    expect(d?.unexpected).toEqual([{ k: 'a', n: 1, at: '2026-01-01T10:00:00.000Z' }]);
  });

  it('numbers within a relative 1e-9 are equal (a sum of doubles in another order), not beyond', () => {
    const actual = [{ k: 'a', n: 0.1 + 0.2, at: null }];
    expect(compareRows('m', cols, [{ k: 'a', n: 0.3, at: null }], actual)).toBeNull();
    expect(compareRows('m', cols, [{ k: 'a', n: 0.3001, at: null }], actual)).not.toBeNull();
    // 1/3 written as a literal equals a DOUBLE division stored by Postgres.
    expect(compareRows('m', cols, [{ k: 'a', n: 1 / 3, at: null }], [{ k: 'a', n: '0.333333333333333', at: null }])).toBeNull();
  });

  it('NULL equals only NULL; a column an expected row leaves out is expected NULL', () => {
    expect(compareRows('m', cols, [{ k: 'a', n: null }], [{ k: 'a', n: 0, at: null }])).not.toBeNull();
    expect(compareRows('m', cols, [{ k: 'a' }], [{ k: 'a', n: null, at: null }])).toBeNull();
  });

  it('the diff pairs a missing row with the closest actual one and names the columns that differ', () => {
    const d = compareRows('m', cols, [{ k: 'a', n: 3, at: '2026-01-01T10:00:00Z' }, { k: 'z', n: 9, at: null }], [{ k: 'a', n: 2, at: '2026-01-01 10:00:00' }, { k: 'q', n: 7, at: '2026-01-02 00:00:00' }])!;
    expect(renderDiff(d, '')).toEqual([
      'm: 2 expected row(s) not found, 2 row(s) not expected',
      '  - expected {"k":"a","n":3,"at":"2026-01-01T10:00:00.000Z"}',
      '  + actual   {"k":"a","n":2,"at":"2026-01-01T10:00:00.000Z"}',
      '    n: expected 3, actual 2',
      '  - expected {"k":"z","n":9,"at":null} (no such row)',
      '  + actual   {"k":"q","n":7,"at":"2026-01-02T00:00:00.000Z"} (not expected)',
    ]);
  });
});
