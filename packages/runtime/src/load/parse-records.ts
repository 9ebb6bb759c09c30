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

export function parseNdjson(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  lines(text).forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      out.push({ line: i + 1, raw, error: `bad JSON: ${(e as Error).message}` });
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) out.push({ line: i + 1, raw, error: 'a line must be one JSON object' });
    else out.push({ line: i + 1, raw, record: v as Record<string, unknown> });
  });
  return out;
}

/** Splits one CSV line (RFC 4180 quoting); null for an empty unquoted field; undefined when a quote is unterminated. */
export function splitCsvLine(raw: string): (string | null)[] | undefined {
  const fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = raw.indexOf('"', i);
        if (q < 0) return undefined;
        v += raw.slice(i, q);
        if (raw[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      if (i < raw.length && raw[i] !== ',') return undefined;
      fields.push(v);
    } else {
      const c = raw.indexOf(',', i);
      const v = raw.slice(i, c < 0 ? raw.length : c);
      fields.push(v === '' ? null : v);
      i = c < 0 ? raw.length : c;
    }
    if (i >= raw.length) return fields;
    i++; // the comma
    if (i === raw.length) { fields.push(null); return fields; }
  }
}

/** CSV with a header line naming the columns. Multi-line quoted fields are not supported (reported, not guessed). */
export function parseCsv(text: string): { header: string[]; rows: ParsedLine[]; headerError?: string } {
  const all = lines(text);
  const head = all[0] === undefined ? [] : splitCsvLine(all[0]);
  if (!head || head.some((h) => !h)) return { header: [], rows: [], headerError: 'line 1 must be a header naming every column' };
  const header = head as string[];
  const rows: ParsedLine[] = [];
  for (let i = 1; i < all.length; i++) {
    const raw = all[i] as string;
    if (!raw.trim()) continue;
    const fields = splitCsvLine(raw);
    if (!fields) rows.push({ line: i + 1, raw, error: 'unterminated or misplaced quote' });
    else if (fields.length !== header.length) rows.push({ line: i + 1, raw, error: `wrong column count: ${fields.length} fields, the header has ${header.length}` });
    else rows.push({ line: i + 1, raw, record: Object.fromEntries(header.map((h, k) => [h, fields[k]])) });
  }
  return { header, rows };
}
