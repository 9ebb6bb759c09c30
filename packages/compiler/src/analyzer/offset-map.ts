/**
 * Positions in three units meet here: the Postgres parser reports node locations in UTF-8
 * bytes and error cursors in code points, JavaScript strings index UTF-16 units, and users
 * read line:column. Everything is converted to UTF-16 offsets in the original text as early
 * as possible, and to line:column only when a reason or an error is reported.
 */

export interface Edit {
  /** UTF-16 offsets in the original text; start === end inserts. */
  start: number;
  end: number;
  text: string;
}

interface Segment {
  out: number;
  orig: number;
  outLength: number;
  origLength: number;
}

/** The rewritten query and the way back from any of its offsets to the original text. */
export class OffsetMap {
  private constructor(
    readonly text: string,
    private readonly segments: Segment[],
    private readonly origEnd: number,
  ) {}

  /** Copies original[from, to) with the edits applied; edits must not overlap. */
  static rewrite(original: string, from: number, to: number, edits: readonly Edit[]): OffsetMap {
    const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
    const segments: Segment[] = [];
    let text = '';
    let cursor = from;
    const push = (orig: number, origLength: number, piece: string): void => {
      segments.push({ out: text.length, orig, outLength: piece.length, origLength });
      text += piece;
    };
    for (const edit of sorted) {
      if (edit.start < cursor) throw new Error(`overlapping rewrite at offset ${edit.start}`);
      if (edit.start > cursor) push(cursor, edit.start - cursor, original.slice(cursor, edit.start));
      push(edit.start, edit.end - edit.start, edit.text);
      cursor = edit.end;
    }
    if (to > cursor) push(cursor, to - cursor, original.slice(cursor, to));
    return new OffsetMap(text, segments, to);
  }

  /** Original UTF-16 offset of a UTF-16 offset in the rewritten text. */
  toOriginal(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid]!;
      if (offset < s.out) hi = mid - 1;
      else if (offset >= s.out + s.outLength) lo = mid + 1;
      else {
        // Copied text maps one to one; a replacement maps into the text it replaced.
        const inside = offset - s.out;
        if (s.outLength === s.origLength) return s.orig + inside;
        return s.orig + Math.min(inside, Math.max(0, s.origLength - 1));
      }
    }
    return this.origEnd;
  }

  /** Original UTF-16 offset of a UTF-8 byte offset in the rewritten text (parse tree locations). */
  byteToOriginal(byteOffset: number): number {
    // ASCII text (as many bytes as UTF-16 units): a byte offset is a UTF-16 offset.
    this.ascii ??= Buffer.byteLength(this.text, 'utf8') === this.text.length;
    if (this.ascii) return this.toOriginal(Number.isInteger(byteOffset) && byteOffset >= 0 && byteOffset <= this.text.length ? byteOffset : this.text.length);
    return this.toOriginal(this.byteIndex()[byteOffset] ?? this.text.length);
  }

  /** Original UTF-16 offset of a code point offset in the rewritten text (parser error cursors). */
  codePointToOriginal(codePoint: number): number {
    let units = 0;
    let seen = 0;
    for (const ch of this.text) {
      if (seen === codePoint) break;
      units += ch.length;
      seen++;
    }
    return this.toOriginal(units);
  }

  private ascii?: boolean;
  private bytes?: Int32Array;
  private byteIndex(): Int32Array {
    if (this.bytes) return this.bytes;
    const index = new Int32Array(Buffer.byteLength(this.text, 'utf8') + 1);
    let byte = 0;
    let unit = 0;
    for (const ch of this.text) {
      const width = Buffer.byteLength(ch, 'utf8');
      for (let i = 0; i < width; i++) index[byte + i] = unit;
      byte += width;
      unit += ch.length;
    }
    index[byte] = unit;
    this.bytes = index;
    return index;
  }
}

export interface LineColumn {
  line: number;
  column: number;
}

/** 1-based line and column (in code points, as editors count) of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): LineColumn {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (before.charCodeAt(i) === 10) line++;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}
