import { JsonNumber, JsonSyntaxError, parseJsonExact } from './json-exact.ts';

/** One line of a CDC file: its record, or why it cannot be one. Lines are numbered from 1 as in an editor. */
export type ParsedLine =
  | { readonly line: number; readonly raw: string; readonly record: Record<string, unknown> }
  | { readonly line: number; readonly raw: string; readonly error: string };

function lines(text: string): string[] {
  // A byte-order mark is not part of the first field.
  const out = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  if (out.length && out[out.length - 1] === '') out.pop();
  return out.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Where a number token can start: after a key's `":`, or in an array after `[` or `,`. The same text inside
 * a string is a false alarm (the exact parser then reads the line: slower, same result); times such as
 * "10:00" are not one.
 */
const MAY_HAVE_NUMBER = /"\s*:\s*-?\d|[[,]\s*-?\d/;

/**
 * Numbers stay text (JsonNumber) so that a BIGINT or NUMERIC is checked as written, not as a double. A line
 * with no number token at all goes through the native JSON.parse, which is faster and exact for it.
 */
function parseLine(raw: string): unknown {
  if (MAY_HAVE_NUMBER.test(raw)) return parseJsonExact(raw);
  try {
    return JSON.parse(raw);
  } catch {
    return parseJsonExact(raw); // for its error message, which names the column
  }
}

export function parseNdjson(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  lines(text).forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = parseLine(raw);
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      out.push({ line: i + 1, raw, error: `bad JSON: ${e.message}` });
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) out.push({ line: i + 1, raw, error: 'a line must be one JSON object' });
    else out.push({ line: i + 1, raw, record: v as Record<string, unknown> });
  });
  return out;
}

type Split = { readonly fields: (string | null)[] } | { readonly error: 'open' | 'misplaced' };

/** RFC 4180 fields of one record's text; `open` when a quoted field is still open at the end (it spans lines). */
function splitRecord(raw: string): Split {
  const fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = raw.indexOf('"', i);
        if (q < 0) return { error: 'open' };
        v += raw.slice(i, q);
        if (raw[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      if (i < raw.length && raw[i] !== ',') return { error: 'misplaced' };
      fields.push(v);
    } else {
      const c = raw.indexOf(',', i);
      const v = raw.slice(i, c < 0 ? raw.length : c);
      fields.push(v === '' ? null : v);
      i = c < 0 ? raw.length : c;
    }
    if (i >= raw.length) return { fields };
    i++; // the comma
    if (i === raw.length) { fields.push(null); return { fields }; }
  }
}

/** Splits one CSV line (RFC 4180 quoting); null for an empty unquoted field; undefined when a quote is unterminated or misplaced. */
export function splitCsvLine(raw: string): (string | null)[] | undefined {
  const r = splitRecord(raw);
  return 'fields' in r ? r.fields : undefined;
}

/**
 * CSV with a header line naming the columns. A quoted field may hold commas, doubled quotes and line breaks
 * (stored as \n; the record is reported at its first line); a quote never closed is an error on its line
 * alone, and the next line is read as a new record.
 */
export function parseCsv(text: string): { header: string[]; rows: ParsedLine[]; headerError?: string } {
  const all = lines(text);
  const head = all[0] === undefined ? undefined : splitRecord(all[0]);
  if (!head || !('fields' in head) || head.fields.some((h) => !h)) return { header: [], rows: [], headerError: 'line 1 must be a header naming every column' };
  const header = head.fields as string[];
  const rows: ParsedLine[] = [];
  // Past the last line with a quote, an open field can never close: no need to read to the end to say so.
  let lastQuoted = all.length - 1;
  while (lastQuoted > 0 && !(all[lastQuoted] as string).includes('"')) lastQuoted--;
  for (let i = 1; i < all.length; i++) {
    let raw = all[i] as string;
    if (!raw.trim()) continue;
    let split = splitRecord(raw);
    let end = i;
    while ('error' in split && split.error === 'open' && end < lastQuoted) {
      const next = all[++end] as string;
      raw += `\n${next}`;
      // A line without a quote cannot close the field: split again only when one may (linear, not quadratic).
      if (next.includes('"')) split = splitRecord(raw);
    }
    if ('error' in split) {
      const line = all[i] as string;
      const error = split.error === 'open' ? 'a quote opened on this line is never closed'
        : end > i ? `a quote opened on this line closes on line ${end + 1} with more text after it: close the field on this line, or double the quotes inside it`
        : 'misplaced quote: a field with a quote must be quoted whole, with inner quotes doubled ("a ""b"" c")';
      rows.push({ line: i + 1, raw: line, error });
      continue;
    }
    const where = end > i ? ` (a quoted field spans lines ${i + 1}-${end + 1})` : '';
    if (split.fields.length !== header.length) rows.push({ line: i + 1, raw, error: `wrong column count: ${split.fields.length} fields, the header has ${header.length}${where}` });
    else rows.push({ line: i + 1, raw, record: Object.fromEntries(header.map((h, k) => [h, split.fields[k]])) });
    i = end;
  }
  return { header, rows };
}
