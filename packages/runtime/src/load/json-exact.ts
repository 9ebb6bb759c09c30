/**
 * A JSON number as written in the file. JSON.parse turns every number into a double, so 9007199254740993
 * would arrive as ...992 and 0.1 + 0.2 digits would be guessed back; the loader checks the text against
 * the column's type instead.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Strict JSON (RFC 8259) to values, numbers kept as their text. Objects have no prototype, so a key
 * named `__proto__` or `constructor` is data like any other. Errors name the 1-based column.
 */
export function parseJsonExact(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(i >= text.length ? `${what}: the line ends early` : `${what} at column ${i + 1} (${JSON.stringify(text[i])})`);
  };
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    i++; // the opening quote
    let out = '';
    let from = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 34) { out += text.slice(from, i); i++; return out; }
      if (c < 0x20) fail('control character in a string (escape it)');
      if (c !== 92) { i++; continue; }
      out += text.slice(from, i);
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) { i++; fail('bad \\u escape'); }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
      } else {
        i++;
        fail('bad escape');
      }
      from = i;
    }
  };
  const value = (depth: number): JsonValue => {
    if (depth > 64) fail('nested too deep');
    ws();
    const c = text[i];
    if (c === '"') return string();
    if (c === '{') {
      const obj = Object.create(null) as { [key: string]: JsonValue };
      i++;
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a quoted key');
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      const arr: JsonValue[] = [];
      i++;
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('expected "," or "]"');
      }
    }
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) { i += m[0].length; return new JsonNumber(m[0]); }
    return fail('unexpected character');
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('unexpected text after the value');
  return v;
}
