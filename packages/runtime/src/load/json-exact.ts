/**
 * A JSON number as written in the file. JSON.parse turns every number into a double, so 9007199254740993
 * would arrive as ...992 and 1.50 as 1.5; the loader checks the text against the column's type instead.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
  /** In a message that shows a record (`got 1`), the number; nothing stored goes through this. */
  toJSON(): number { return Number(this.text); }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NEEDS_CARE = /[\\\u0000-\u001f]/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

// The scanner's state: one line at a time, synchronously (module-level, as closures per line cost time).
let src = '';
let pos = 0;

function fail(what: string): never {
  throw new JsonSyntaxError(pos >= src.length ? `${what}: the line ends early` : `${what} at column ${pos + 1} (${JSON.stringify(src[pos])})`);
}

function skipSpace(): void {
  for (let c = src.charCodeAt(pos); c === 32 || c === 9 || c === 10 || c === 13; c = src.charCodeAt(++pos));
}

function readString(): string {
  const start = ++pos; // after the opening quote
  const close = src.indexOf('"', start);
  if (close < 0) { pos = src.length; fail('unterminated string'); }
  const plain = src.slice(start, close);
  // Most strings have no escape: one search and one slice.
  if (!NEEDS_CARE.test(plain)) { pos = close + 1; return plain; }
  let out = '';
  let from = pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (Number.isNaN(c)) fail('unterminated string');
    if (c === 34) { out += src.slice(from, pos); pos++; return out; }
    if (c < 0x20) fail('control character in a string (escape it)');
    if (c !== 92) { pos++; continue; }
    out += src.slice(from, pos);
    const e = src[pos + 1];
    if (e === 'u') {
      const hex = src.slice(pos + 2, pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) { pos++; fail('bad \\u escape'); }
      out += String.fromCharCode(parseInt(hex, 16));
      pos += 6;
    } else if (e !== undefined && e in ESCAPES) {
      out += ESCAPES[e];
      pos += 2;
    } else {
      pos++;
      fail('bad escape');
    }
    from = pos;
  }
}

function readObject(depth: number): { [key: string]: JsonValue } {
  const obj: { [key: string]: JsonValue } = {};
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) === 125) { pos++; return obj; }
  for (;;) {
    skipSpace();
    if (src.charCodeAt(pos) !== 34) fail('expected a quoted key');
    const key = readString();
    skipSpace();
    if (src.charCodeAt(pos) !== 58) fail('expected ":"');
    pos++;
    const v = readValue(depth + 1);
    // `__proto__` is data here, not the object's prototype.
    if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[key] = v;
    skipSpace();
    const c = src.charCodeAt(pos);
    if (c === 44) { pos++; continue; }
    if (c === 125) { pos++; return obj; }
    fail('expected "," or "}"');
  }
}

function readArray(depth: number): JsonValue[] {
  const arr: JsonValue[] = [];
  pos++;
  skipSpace();
  if (src.charCodeAt(pos) === 93) { pos++; return arr; }
  for (;;) {
    arr.push(readValue(depth + 1));
    skipSpace();
    const c = src.charCodeAt(pos);
    if (c === 44) { pos++; continue; }
    if (c === 93) { pos++; return arr; }
    fail('expected "," or "]"');
  }
}

function readValue(depth: number): JsonValue {
  if (depth > 64) fail('nested too deep');
  skipSpace();
  const c = src.charCodeAt(pos);
  if (c === 34) return readString();
  if (c === 123) return readObject(depth);
  if (c === 91) return readArray(depth);
  if (c === 116 && src.startsWith('true', pos)) { pos += 4; return true; }
  if (c === 102 && src.startsWith('false', pos)) { pos += 5; return false; }
  if (c === 110 && src.startsWith('null', pos)) { pos += 4; return null; }
  NUMBER.lastIndex = pos;
  const m = NUMBER.exec(src);
  if (m) { pos += m[0].length; return new JsonNumber(m[0]); }
  return fail('unexpected character');
}

/** Strict JSON (RFC 8259) to values, numbers kept as their text. Errors name the 1-based column. */
export function parseJsonExact(text: string): JsonValue {
  src = text;
  pos = 0;
  try {
    const v = readValue(0);
    skipSpace();
    if (pos < src.length) fail('unexpected text after the value');
    return v;
  } finally {
    src = '';
  }
}
