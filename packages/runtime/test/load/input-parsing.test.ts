import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceValue } from '../../src/load/coerce-value.ts';
import { parseIsoDate, parseIsoTimestamp } from '../../src/load/iso-time.ts';
import { JsonNumber, JsonSyntaxError, parseJsonExact } from '../../src/load/json-exact.ts';
import { parseCsv, parseNdjson } from '../../src/load/parse-records.ts';

const col = (type: string, nullable = true) => ({ name: 'c', type, nullable });
const recordOf = (line: string) => {
  const [p] = parseNdjson(line);
  if (!p || !('record' in p)) throw new Error(`not a record: ${JSON.stringify(p)}`);
  return p.record;
};

describe('parseJsonExact', () => {
  it('keeps every number as the text it was written as', () => {
    const v = parseJsonExact('{"a":9007199254740993,"b":[-0,1.50,1e400,2E-7],"c":{"d":0.1}}') as Record<string, unknown>;
    expect(v.a).toEqual(new JsonNumber('9007199254740993'));
    expect((v.b as JsonNumber[]).map((n) => n.text)).toEqual(['-0', '1.50', '1e400', '2E-7']);
    expect((v.c as Record<string, JsonNumber>).d!.text).toBe('0.1');
  });

  it('reads strings, escapes and literals as JSON.parse does', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      // Numbers aside (kept as text), the result is JSON.parse's: compare through a replacer.
      const text = JSON.stringify(value);
      const back = JSON.stringify(parseJsonExact(text), (_k, v: unknown) => (v instanceof JsonNumber ? Number(v.text) : v));
      expect(back).toBe(JSON.stringify(JSON.parse(text)));
    }));
    expect(parseJsonExact('"a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00"')).toBe('a"b\\c/\né😀');
  });

  it('treats a key named __proto__ as data', () => {
    const v = parseJsonExact('{"__proto__":{"x":1},"y":true}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'y']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it.each([
    ['{"a":01}', 'expected "," or "}" at column 7'],
    ['{"a":1.}', 'expected "," or "}" at column 7'],
    ['{"a":+1}', 'unexpected character at column 6'],
    ['{"a":NaN}', 'unexpected character at column 6'],
    ['{"a":"x}', 'unterminated string'],
    ['{"a":"x\ty"}', 'control character'],
    ['{"a":1} x', 'unexpected text after the value at column 9'],
    ['{"a":1', 'the line ends early'],
    ["{'a':1}", 'expected a quoted key at column 2'],
  ])('refuses %s with the column: %s', (text, message) => {
    expect(() => parseJsonExact(text)).toThrow(JsonSyntaxError);
    expect(() => parseJsonExact(text)).toThrow(message);
  });
});

describe('parseNdjson', () => {
  it('gives the same records whether a line takes the native path (no number in it) or the exact one', () => {
    const noNumbers = fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.boolean(), fc.constant(null)));
    fc.assert(fc.property(noNumbers, (obj) => {
      const line = JSON.stringify(obj);
      expect({ ...recordOf(line) }).toEqual({ ...(parseJsonExact(line) as object) });
    }));
  });

  it('keeps big and decimal numbers exact, whatever the spacing around them', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.constantFrom('', ' ', '\t'), (n, sp) => {
      expect(recordOf(`{"t":"10:00", "n" :${sp}${n}}`).n).toEqual(new JsonNumber(String(n)));
      expect((recordOf(`{"a":[${sp}${n}]}`).a as JsonNumber[])[0]!.text).toBe(String(n));
    }));
  });

  it('reports a bad line with its line number and the column of the fault', () => {
    const lines = parseNdjson('{"a":"x"}\r\n{"a":"x",}\n\n[1]\n');
    expect(lines.map((l) => ('error' in l ? [l.line, l.error] : [l.line, 'ok']))).toEqual([
      [1, 'ok'], [2, 'bad JSON: expected a quoted key at column 10 ("}")'], [4, 'a line must be one JSON object'],
    ]);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields across lines and reports the record at its first line', () => {
    const r = parseCsv('\ufeffa,b\r\n"1\r\n2",x\r\n3,"say ""hi"""\r\n');
    expect(r.header).toEqual(['a', 'b']);
    expect(r.rows.map((p) => ('record' in p ? [p.line, { ...p.record }] : [p.line, p.error]))).toEqual([[2, { a: '1\n2', b: 'x' }], [4, { a: '3', b: 'say "hi"' }]]);
  });

  it('reports a quote never closed on its own line and reads the next lines as records', () => {
    const body = Array.from({ length: 2000 }, (_, k) => `r${k},x`).join('\n');
    for (const tail of ['', '\nlast,"q"']) {
      const r = parseCsv(`a,b\nbad,"open\n${body}${tail}\n`);
      const errors = r.rows.filter((p) => 'error' in p);
      expect(errors.map((p) => [p.line, 'error' in p && p.error])).toEqual(tail ? [[2, 'a quote opened on this line closes on line 2003 with more text after it: close the field on this line, or double the quotes inside it']] : [[2, 'a quote opened on this line is never closed']]);
      expect(r.rows.filter((p) => 'record' in p).length).toBe(2000 + (tail ? 1 : 0));
    }
  });

  it('keeps a quote inside an unquoted field as text, as it always did', () => {
    const [row] = parseCsv('a,b\n5" screen,x\n').rows;
    expect(row && 'record' in row && { ...row.record }).toEqual({ a: '5" screen', b: 'x' });
  });
});

describe('parseIsoTimestamp', () => {
  it('converts any offset to the UTC instant Date computes for it, keeping microseconds', () => {
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) });
    const offset = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    const micros = fc.integer({ min: 0, max: 999 });
    fc.assert(fc.property(instant, offset, micros, (ms, off, us) => {
      // Write the instant as local time at the offset, as a producer would.
      const local = new Date(ms + off * 60_000).toISOString().slice(0, 23);
      const sign = off < 0 ? '-' : '+';
      const zone = `${sign}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
      const r = parseIsoTimestamp(`${local}${String(us).padStart(3, '0')}${zone}`);
      const utc = new Date(ms).toISOString();
      expect(r).toEqual({ ok: true, value: `${utc.slice(0, 10)} ${utc.slice(11, 23)}${String(us).padStart(3, '0')}` });
    }));
  });

  it('refuses the day after the last of every month, with any offset, and takes the last', () => {
    for (let y = 1999; y <= 2029; y++) {
      for (let m = 1; m <= 12; m++) {
        const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
        const mm = String(m).padStart(2, '0');
        expect(parseIsoTimestamp(`${y}-${mm}-${last}T12:00:00+01:00`).ok).toBe(true);
        expect(parseIsoTimestamp(`${y}-${mm}-${last + 1}T12:00:00+01:00`)).toMatchObject({ ok: false, why: expect.stringContaining(`has ${last} days`) });
        expect(parseIsoDate(`${y}-${mm}-${last + 1}`).ok).toBe(false);
      }
    }
    expect(parseIsoDate('2000-02-29').ok).toBe(true);
    expect(parseIsoDate('1900-02-29').ok).toBe(false);
  });

  it('takes fractional digits past microseconds only when they are zeros', () => {
    expect(parseIsoTimestamp('2026-11-27T10:00:00.123456000Z')).toEqual({ ok: true, value: '2026-11-27 10:00:00.123456' });
    expect(parseIsoTimestamp('2026-11-27T10:00:00.1234561Z').ok).toBe(false);
  });

  it('refuses what leaves the years 0001-9999 in UTC', () => {
    expect(parseIsoTimestamp('0001-01-01T00:30:00+01:00')).toMatchObject({ ok: false, why: expect.stringContaining('0001-9999') });
    expect(parseIsoTimestamp('0000-06-01T00:00:00Z')).toMatchObject({ ok: false, why: expect.stringContaining('year 0000') });
    expect(parseIsoTimestamp('9999-12-31T23:30:00-01:00').ok).toBe(false);
  });
});

describe('coerceValue', () => {
  it('takes every integer in a type\'s range, as its canonical digits, and refuses one beyond', () => {
    for (const [type, bits] of [['SMALLINT', 16n], ['INTEGER', 32n], ['BIGINT', 64n]] as const) {
      const max = 2n ** (bits - 1n) - 1n;
      fc.assert(fc.property(fc.bigInt({ min: -max - 1n, max }), (n) => {
        expect(coerceValue(new JsonNumber(String(n)), col(type))).toEqual({ ok: true, value: String(n) });
        expect(coerceValue(String(n), col(type))).toEqual({ ok: true, value: String(n) });
      }));
      expect(coerceValue(String(max + 1n), col(type))).toMatchObject({ ok: false, error: expect.stringContaining(`out of range for ${type}`) });
      expect(coerceValue(String(-max - 2n), col(type))).toMatchObject({ ok: false });
    }
    expect(coerceValue('1'.repeat(400), col('BIGINT'))).toMatchObject({ ok: false, error: expect.stringContaining('out of range') });
  });

  it('keeps NUMERIC exact: refuses digits the column would round or cannot hold, expands exponents', () => {
    expect(coerceValue(new JsonNumber('1.5e1'), col('NUMERIC(4,1)'))).toEqual({ ok: true, value: '15' });
    expect(coerceValue(new JsonNumber('-1.25E-1'), col('NUMERIC(4,3)'))).toEqual({ ok: true, value: '-0.125' });
    expect(coerceValue('000.100', col('NUMERIC(4,1)'))).toEqual({ ok: true, value: '0.1' });
    expect(coerceValue('1e999999999', col('NUMERIC(38,0)'))).toMatchObject({ ok: false, error: expect.stringContaining('holds at most 38') });
    expect(coerceValue('12.5', col('DECIMAL(5)'))).toMatchObject({ ok: false, error: expect.stringContaining('DECIMAL(5) keeps 0') });
    expect(coerceValue('123456789012345678901234567890.123456789', col('NUMERIC'))).toEqual({ ok: true, value: '123456789012345678901234567890.123456789' });
    expect(coerceValue('.', col('NUMERIC(4,1)'))).toMatchObject({ ok: false, error: expect.stringContaining('not a number') });
  });

  it('refuses floats that would overflow or underflow the type', () => {
    expect(coerceValue('1e39', col('REAL'))).toMatchObject({ ok: false, error: expect.stringContaining('out of range for REAL') });
    expect(coerceValue('1e-50', col('REAL'))).toMatchObject({ ok: false });
    expect(coerceValue('1e-300', col('DOUBLE PRECISION'))).toEqual({ ok: true, value: '1e-300' });
    expect(coerceValue(new JsonNumber('0e5'), col('DOUBLE PRECISION'))).toEqual({ ok: true, value: '0e5' });
  });

  it('writes UTC times with their zone for a timestamptz, so the session time zone cannot shift them', () => {
    expect(coerceValue('2026-11-27T10:00:00+05:30', col('TIMESTAMPTZ'))).toEqual({ ok: true, value: '2026-11-27 04:30:00.000000+00' });
    expect(coerceValue(' 2026-11-27 ', col('DATE'))).toEqual({ ok: true, value: '2026-11-27' });
  });

  it('names why a NULL is refused where the table would take one', () => {
    expect(coerceValue(null, { ...col('TIMESTAMP'), requiredBecause: 'the event time' })).toEqual({ ok: false, error: 'missing value for c (the event time)' });
    expect(coerceValue(undefined, col('VARCHAR(4)', false))).toEqual({ ok: false, error: 'missing value for c' });
    expect(coerceValue(null, col('VARCHAR(4)'))).toEqual({ ok: true, value: null });
  });
});
