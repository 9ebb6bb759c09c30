/**
 * One row per input case for the `readings` stream (see input-models.ts): the column, the raw field as it
 * stands in an NDJSON line (JSON text) and/or a CSV line (field text), and either the value Postgres then
 * holds (as `::text`, timestamps as `YYYY-MM-DD HH24:MI:SS.US` in UTC) or a fragment of the reject message.
 * `ABSENT` leaves the field out of the NDJSON line.
 */
export const ABSENT = Symbol('absent');

export interface InputCase {
  readonly col: 'at' | 'day' | 'small' | 'i' | 'big' | 'amount' | 'ratio' | 'flag' | 'note';
  readonly json?: string | typeof ABSENT;
  readonly csv?: string;
  readonly stored?: string | null;
  readonly reject?: string;
}

export const TYPES: Record<InputCase['col'], string> = {
  at: 'TIMESTAMP (event time)', day: 'DATE', small: 'SMALLINT', i: 'INTEGER', big: 'BIGINT',
  amount: 'NUMERIC(10,2)', ratio: 'DOUBLE PRECISION', flag: 'BOOLEAN', note: 'VARCHAR(24)',
};

export const CASES: readonly InputCase[] = [
  // BIGINT: exact above 2^53, strings in range, the bounds and one beyond.
  { col: 'big', json: '9007199254740993', stored: '9007199254740993' },
  { col: 'big', json: '"1000000000000000000"', csv: '1000000000000000000', stored: '1000000000000000000' },
  { col: 'big', json: '9223372036854775807', csv: '9223372036854775807', stored: '9223372036854775807' },
  { col: 'big', json: '-9223372036854775808', csv: '-9223372036854775808', stored: '-9223372036854775808' },
  { col: 'big', json: '9223372036854775808', reject: 'out of range for BIGINT (-9223372036854775808 to 9223372036854775807)' },
  { col: 'big', csv: '-9223372036854775809', reject: 'out of range for BIGINT' },
  { col: 'big', json: '"+42"', csv: '+0042', stored: '42' },
  { col: 'big', json: '-0', stored: '0' },
  { col: 'big', json: '1.0', reject: 'not an integer' },
  { col: 'big', json: '"1e3"', csv: '1e3', reject: '"1.0" and "1e3" are refused' },
  { col: 'big', json: '12.5', csv: '12.5', reject: 'not an integer' },
  { col: 'big', json: '"twelve"', reject: 'not an integer' },
  { col: 'big', json: '""', reject: 'not an integer' },
  { col: 'big', csv: '', json: 'null', stored: null },
  // SMALLINT and INTEGER bounds.
  { col: 'small', json: '32767', stored: '32767' },
  { col: 'small', csv: '-32768', stored: '-32768' },
  { col: 'small', json: '32768', csv: '32768', reject: 'out of range for SMALLINT (-32768 to 32767)' },
  { col: 'small', csv: '-32769', reject: 'out of range for SMALLINT' },
  { col: 'i', json: '2147483647', stored: '2147483647' },
  { col: 'i', json: '2147483648', csv: '-2147483649', reject: 'out of range for INTEGER' },
  // NUMERIC(10,2): scale and precision checked, never rounded.
  { col: 'amount', json: '12345678.99', csv: '12345678.99', stored: '12345678.99' },
  { col: 'amount', json: '0.1', stored: '0.10' },
  { col: 'amount', json: '1.230', stored: '1.23' },
  { col: 'amount', csv: '-0.5', json: '"-0.5"', stored: '-0.50' },
  { col: 'amount', json: '"1e2"', csv: '1E2', stored: '100.00' },
  { col: 'amount', json: '1.234', csv: '1.234', reject: '3 digits after the decimal point; NUMERIC(10,2) keeps 2' },
  { col: 'amount', json: '99999999.999', reject: 'digits after the decimal point' },
  { col: 'amount', json: '123456789', csv: '123456789.5', reject: '9 digits before the decimal point; NUMERIC(10,2) holds at most 8' },
  { col: 'amount', csv: 'abc', json: '"1,5"', reject: 'is not a number' },
  // DOUBLE PRECISION.
  { col: 'ratio', json: '0.1', csv: '0.1', stored: '0.1' },
  { col: 'ratio', csv: '1e308', stored: '1e+308' },
  { col: 'ratio', json: '1e309', reject: 'out of range for DOUBLE PRECISION' },
  { col: 'ratio', csv: '0x10', reject: 'is not a number' },
  // BOOLEAN.
  { col: 'flag', json: 'true', csv: 't', stored: 'true' },
  { col: 'flag', json: 'false', csv: 'F', stored: 'false' },
  { col: 'flag', json: '"true"', csv: '1', stored: 'true' },
  { col: 'flag', json: '0', csv: '0', stored: 'false' },
  { col: 'flag', json: '"yes"', csv: 'yes', reject: 'is not a boolean' },
  // TIMESTAMP, the stream's event time: calendar-checked whatever the offset, converted to UTC exactly.
  { col: 'at', json: '"2026-02-30T10:00:00+01:00"', csv: '2026-02-30T10:00:00+01:00', reject: 'February 2026 has 28 days' },
  { col: 'at', json: '"2026-02-30T10:00:00Z"', reject: 'bad timestamp' },
  { col: 'at', json: '"2026-02-29T12:00:00-03:00"', csv: '2026-02-29 12:00:00', reject: 'February 2026 has 28 days' },
  { col: 'at', json: '"2028-02-29T12:00:00Z"', csv: '2028-02-29T12:00:00Z', stored: '2028-02-29 12:00:00.000000' },
  { col: 'at', json: '"2026-04-31T00:00:00+02:00"', reject: 'April 2026 has 30 days' },
  { col: 'at', json: '"2026-13-01T00:00:00Z"', csv: '2026-13-01T00:00:00+01:00', reject: 'month 13 does not exist' },
  { col: 'at', json: '"2026-11-27T24:00:00+01:00"', csv: '2026-11-27T24:00:00Z', reject: 'hour 24 does not exist' },
  { col: 'at', json: '"2026-11-27T10:60:00+02:00"', reject: 'minute 60 does not exist' },
  { col: 'at', json: '"2026-12-31T23:59:60Z"', reject: 'second 60 does not exist' },
  { col: 'at', json: '"2026-11-27T10:00:00+05:30"', csv: '2026-11-27T10:00:00+0530', stored: '2026-11-27 04:30:00.000000' },
  { col: 'at', json: '"2026-11-27T10:00:00-00:00"', csv: '2026-11-27T10:00:00-00:00', stored: '2026-11-27 10:00:00.000000' },
  { col: 'at', json: '"2026-11-27T23:30:00-05:00"', stored: '2026-11-28 04:30:00.000000' },
  { col: 'at', json: '"2026-03-01T00:30:00+01:00"', stored: '2026-02-28 23:30:00.000000' },
  { col: 'at', json: '"2028-02-29T23:00:00-02:00"', stored: '2028-03-01 01:00:00.000000' },
  { col: 'at', json: '"2026-12-31T23:59:59.999999-01:00"', stored: '2027-01-01 00:59:59.999999' },
  { col: 'at', json: '"2026-11-27T10:00:00.123456Z"', stored: '2026-11-27 10:00:00.123456' },
  { col: 'at', csv: '2026-11-27 10:00:00.000001', stored: '2026-11-27 10:00:00.000001' },
  { col: 'at', json: '"2026-11-27T10:00:00.5+01:00"', stored: '2026-11-27 09:00:00.500000' },
  { col: 'at', json: '"2026-11-27T10:00:00.1234567Z"', reject: '7 fractional digits' },
  { col: 'at', json: '"2026-11-27 10:00:00"', csv: '2026-11-27T10:00', stored: '2026-11-27 10:00:00.000000' },
  { col: 'at', json: '"2026-11-27T10:00:00+24:00"', reject: 'offset +24:00 does not exist' },
  { col: 'at', json: '1764237600', reject: 'bad timestamp' },
  { col: 'at', json: '"yesterday"', csv: 'yesterday', reject: 'bad timestamp "yesterday"' },
  // The event time is required (the stream does not declare it optional).
  { col: 'at', json: 'null', csv: '', reject: 'missing value for at (the event time of stream readings' },
  { col: 'at', json: ABSENT, reject: "declare eventTimeOptional: true in stream('readings', …)" },
  // DATE.
  { col: 'day', json: '"2028-02-29"', csv: '2028-02-29', stored: '2028-02-29' },
  { col: 'day', json: '"2026-02-29"', csv: '2026-02-29', reject: 'bad date "2026-02-29": February 2026 has 28 days' },
  { col: 'day', json: '"2026-00-10"', reject: 'month 00 does not exist' },
  { col: 'day', json: '"2026-11-27T10:00:00Z"', reject: 'use YYYY-MM-DD' },
  // VARCHAR(24): numbers keep their digits; quoting, empty fields.
  { col: 'note', json: '12345678901234567890', stored: '12345678901234567890' },
  { col: 'note', json: '1.50', stored: '1.50' },
  { col: 'note', csv: '"a,b ""c""\nd"', json: '"a,b \\"c\\"\\nd"', stored: 'a,b "c"\nd' },
  { col: 'note', csv: '"x,y"', stored: 'x,y' },
  { col: 'note', csv: '""', json: '""', stored: '' },
  { col: 'note', csv: '', stored: null },
  { col: 'note', json: '"0123456789abcdefghijklmnop"', reject: 'is longer than VARCHAR(24)' },
  { col: 'note', json: '"a\\u0000b"', reject: 'NUL character' },
  { col: 'note', json: '{"a":1}', reject: 'expected a single value, got an object' },
];
