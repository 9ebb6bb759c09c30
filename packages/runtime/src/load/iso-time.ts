/**
 * ISO 8601 times checked against the calendar and converted to UTC with integer arithmetic. Date.parse
 * is not used: it rolls 2026-02-30 over to March 2 and keeps only milliseconds.
 */
export type TimeResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly why: string };

const TS = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function checkDate(y: number, m: number, d: number): string | undefined {
  if (y < 1) return 'year 0000 does not exist (years start at 0001)';
  if (m < 1 || m > 12) return `month ${pad(m)} does not exist`;
  if (d < 1 || d > daysIn(y, m)) return `${MONTHS[m - 1]} ${y} has ${daysIn(y, m)} days`;
  return undefined;
}

/** `YYYY-MM-DD` of a real calendar day. */
export function parseIsoDate(text: string): TimeResult {
  const m = DATE.exec(text);
  if (!m) return { ok: false, why: 'use YYYY-MM-DD, e.g. 2026-11-27' };
  const why = checkDate(Number(m[1]), Number(m[2]), Number(m[3]));
  return why ? { ok: false, why } : { ok: true, value: text };
}

/**
 * ISO 8601 to UTC `YYYY-MM-DD HH:MM:SS.ffffff`: fixed width, so that the texts compare like the times.
 * No zone means UTC. Fractional seconds beyond microseconds are refused unless they are zeros (Postgres
 * and Redshift would round them). Leap seconds and 24:00 are refused, as are offsets past 23:59.
 */
export function parseIsoTimestamp(text: string): TimeResult {
  const m = TS.exec(text);
  if (!m) return { ok: false, why: 'use ISO 8601, e.g. 2026-11-27T10:00:00Z or 2026-11-27 10:00:00.123456+05:30' };
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  const dateWhy = checkDate(y, mo, d);
  if (dateWhy) return { ok: false, why: dateWhy };
  if (h > 23) return { ok: false, why: `hour ${pad(h)} does not exist (00-23; write 24:00 as 00:00 of the next day)` };
  if (mi > 59) return { ok: false, why: `minute ${pad(mi)} does not exist (00-59)` };
  if (s > 59) return { ok: false, why: `second ${pad(s)} does not exist (00-59; leap seconds are not stored)` };
  const frac = m[7] ?? '';
  if (frac.length > 6 && /[1-9]/.test(frac.slice(6))) return { ok: false, why: `${frac.length} fractional digits; microseconds (6) are the finest a timestamp keeps` };
  let offset = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11] ?? 0);
    if (oh > 23 || om > 59) return { ok: false, why: `offset ${m[9]}${m[10]}:${m[11] ?? '00'} does not exist (-23:59 to +23:59)` };
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const minutes = daysFromCivil(y, mo, d) * 1440 + h * 60 + mi - offset;
  const day = Math.floor(minutes / 1440);
  const inDay = minutes - day * 1440;
  const [uy, um, ud] = civilFromDays(day);
  if (uy < 1 || uy > 9999) return { ok: false, why: 'outside the years 0001-9999 in UTC' };
  const micros = frac.slice(0, 6).padEnd(6, '0');
  return { ok: true, value: `${pad(uy, 4)}-${pad(um)}-${pad(ud)} ${pad(Math.floor(inDay / 60))}:${pad(inDay % 60)}:${pad(s)}.${micros}` };
}

/** The UTC text of an ISO 8601 timestamp, or undefined when it is not one. */
export function normalizeTimestamp(text: string): string | undefined {
  const r = parseIsoTimestamp(text.trim());
  return r.ok ? r.value : undefined;
}
