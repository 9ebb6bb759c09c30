import type { ManifestColumn } from '@mvkit/compiler';

/**
 * A CDC value as the text Postgres will accept for the column, or an error message. Checked here, row by
 * row, so that one bad value is a rejected line and not a failed transaction for the whole file.
 */
export function coerceValue(value: unknown, col: ManifestColumn): { ok: true; value: string | null } | { ok: false; error: string } {
  if (value === null || value === undefined) {
    return col.nullable ? { ok: true, value: null } : { ok: false, error: `missing value for ${col.name}` };
  }
  const type = col.type.toUpperCase();
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (text === undefined) return { ok: false, error: `${col.name}: expected a scalar, got ${JSON.stringify(value)}` };
  const len = /^(?:VARCHAR|CHAR|CHARACTER VARYING|CHARACTER)\s*\((\d+)\)$/.exec(type);
  if (len) {
    if (!col.nullable && text === '') return { ok: false, error: `missing value for ${col.name}` };
    if (text.length > Number(len[1])) return { ok: false, error: `${col.name}: "${text.slice(0, 40)}" is longer than ${col.type}` };
    return { ok: true, value: text };
  }
  if (type === 'TIMESTAMP' || type === 'TIMESTAMP WITHOUT TIME ZONE' || type === 'TIMESTAMPTZ') {
    const ts = normalizeTimestamp(text);
    return ts ? { ok: true, value: ts } : { ok: false, error: `${col.name}: bad timestamp "${text.slice(0, 40)}" (use ISO 8601, e.g. 2026-11-27T10:00:00Z)` };
  }
  if (type === 'DATE') {
    const ts = normalizeTimestamp(text);
    return ts && /^\d{4}-\d{2}-\d{2}$/.test(text) ? { ok: true, value: text } : { ok: false, error: `${col.name}: bad date "${text.slice(0, 40)}"` };
  }
  if (/^(BIGINT|INTEGER|INT|INT4|INT8|SMALLINT)$/.test(type)) {
    return /^-?\d{1,18}$/.test(text) ? { ok: true, value: text } : { ok: false, error: `${col.name}: "${text.slice(0, 40)}" is not an integer` };
  }
  if (/^(DOUBLE PRECISION|REAL|FLOAT\d?|NUMERIC|DECIMAL)/.test(type)) {
    return text.trim() !== '' && Number.isFinite(Number(text)) ? { ok: true, value: text } : { ok: false, error: `${col.name}: "${text.slice(0, 40)}" is not a number` };
  }
  if (type === 'BOOLEAN' || type === 'BOOL') {
    return /^(true|false|t|f|1|0)$/i.test(text) ? { ok: true, value: text } : { ok: false, error: `${col.name}: "${text.slice(0, 40)}" is not a boolean` };
  }
  return { ok: true, value: text };
}

const TS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 to UTC `YYYY-MM-DD HH:MM:SS.ffffff` (fixed width, so that texts compare like times); no zone means UTC. */
export function normalizeTimestamp(text: string): string | undefined {
  const m = TS.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const micros = frac.padEnd(6, '0');
  const z = zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${micros.slice(0, 3)}${z}`);
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  // Date.parse rolls 2026-02-30 over to March: refuse dates that do not round-trip.
  if (z === 'Z' && (date.getUTCDate() !== Number(d) || date.getUTCMonth() + 1 !== Number(mo))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${micros}`;
}
