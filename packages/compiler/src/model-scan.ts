/**
 * The module syntax of a model file, rewritten in place for the one-function-per-file loader
 * (model-bundle.ts): every character keeps its line and column. Only a plain subset is
 * accepted; anything else returns undefined and the project is loaded by the esbuild bundler
 * as before.
 *
 * Accepted, at the top of the file before any other statement:
 *   import { a, b as c } from './x.ts';   →  const { a, b :  c } = __mvr(0);
 *   import * as ns from './x.ts';          →  const      ns = __mvr(0);
 *   import './x.ts';                       →  __mvr(0);
 *   import type … from '…';                →  blanked (TypeScript erases it)
 * and anywhere at the top level:
 *   export const|function|async function|enum NAME   →  the keyword blanked, NAME exported
 *   export type NAME … | export interface NAME …       →  the keyword blanked (types only)
 * Refused: default imports and exports, export lists and re-exports, let/var exports, several
 * declarators in one statement (any comma outside brackets), dynamic import(), import.meta,
 * classes and decorators, a regular expression where a division cannot be told from it, and
 * any identifier starting with `__mv` (the loader's own names).
 */

export interface ScannedImport {
  readonly spec: string;
  /** Imported names (`default` allowed); empty for a namespace or a side-effect import. */
  readonly names: readonly string[];
}

export interface ScannedModule {
  /** The file's text with its module syntax rewritten, same length and lines. */
  readonly code: string;
  /** In order; `__mvr(i)` is the i-th. */
  readonly imports: readonly ScannedImport[];
  readonly exports: readonly string[];
  /**
   * No TypeScript syntax was seen that plain JavaScript would read differently: no `<` (a type
   * argument list parses as comparisons in JavaScript), no `as`/`satisfies`, no type, interface
   * or enum declaration, no `:` annotating a parameter. The loader runs such a file's code as it
   * is, without a transform; any other TypeScript it holds is a syntax error to V8, and its
   * files are then transformed (model-bundle.ts).
   */
  readonly plain: boolean;
}

/**
 * The scanner, made by a function that refers to nothing outside its body: its source also runs
 * in the loader's scan thread (model-bundle.ts), whatever a bundler renames around it.
 */
export function makeScanner(): (src: string) => ScannedModule | undefined {
  /** Words that, followed by a name on the same line, begin TypeScript-only declarations. */
  const TYPE_DECLARATIONS = new Set(['type', 'interface', 'enum', 'declare', 'namespace', 'abstract', 'module']);

  const KEYWORDS_BEFORE_EXPRESSION = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);
  const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
  const isId = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
  const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
  // A quoted string's rest after its opening quote, to its closing quote; a template's text from
  // after its backtick or `}` to its closing backtick or next `${` (or the end of the file).
  const SINGLE_QUOTED = /(?:[^'\\\n]|\\[^])*'/y;
  const DOUBLE_QUOTED = /(?:[^"\\\n]|\\[^])*"/y;
  const TEMPLATE_TEXT = /(?:[^\\`$]|\\[^]|\$(?!\{))*/y;

  // The file being scanned and what is found in it, shared with the helpers below: made once
  // with the scanner, not once per file (scanModule is not reentrant).
  let input = '';
  let imports: ScannedImport[] = [];
  let exports: string[] = [];
  let plain = true;
  /** Replacements of equal length, in order of position (those of one statement resolved as made). */
  let edits: { from: number; to: number; text: string }[] = [];

  const spaces = (from: number, to: number) => input.slice(from, to).replace(/[^\n\r]/g, ' ');
  const blank = (from: number, to: number) => {
    // A statement blanked whole drops the edits made inside it.
    while (edits.length && edits[edits.length - 1]!.from >= from) edits.pop();
    edits.push({ from, to, text: spaces(from, to) });
  };
  const write = (at: number, text: string) => {
    edits.push({ from: at, to: at + text.length, text });
  };
  const skipSpace = (j: number, newlines = true) => {
    while (j < input.length && isSpace(input.charCodeAt(j)) && (newlines || (input[j] !== '\n' && input[j] !== '\r'))) j++;
    return j;
  };
  const ident = (j: number) => {
    if (j >= input.length || !isIdStart(input.charCodeAt(j))) return undefined;
    let k = j + 1;
    while (k < input.length && isId(input.charCodeAt(k))) k++;
    return { name: input.slice(j, k), end: k };
  };
  /** A plain quoted string (no escapes, one line) at j. */
  const plainString = (j: number) => {
    const q = input[j];
    if (q !== "'" && q !== '"') return undefined;
    const k = input.indexOf(q, j + 1);
    if (k < 0) return undefined;
    const value = input.slice(j + 1, k);
    if (/[\\\n\r]/.test(value)) return undefined;
    return { value, end: k + 1 };
  };

  /** An import statement at i; returns the index after it, or -1 to refuse. */
  const importStatement = (start: number): number => {
    let j = skipSpace(start + 6);
    const typeOnly = input.startsWith('type', j) && !isId(input.charCodeAt(j + 4));
    if (typeOnly) j = skipSpace(j + 4);
    const names: string[] = [];
    let typeNames = 0;
    let side = false;
    let namespace = false;
    if (input[j] === '{') {
      j = skipSpace(j + 1);
      while (input[j] !== '}') {
        const a = ident(j);
        if (!a) return -1;
        const modified = a.name === 'type' ? ident(skipSpace(a.end)) : undefined;
        if (modified) {
          // `type X` (or `type X as Y`) among the names: a type, erased with its comma.
          if (modified.name === 'as') return -1;
          let k = skipSpace(modified.end);
          if (input.startsWith('as', k) && isSpace(input.charCodeAt(k + 2))) {
            const b = ident(skipSpace(k + 2));
            if (!b) return -1;
            k = skipSpace(b.end);
          }
          if (input[k] === ',') k = skipSpace(k + 1);
          else if (input[k] !== '}') return -1;
          if (!typeOnly) blank(j, k);
          typeNames++;
          j = k;
          continue;
        }
        names.push(a.name);
        j = skipSpace(a.end);
        if (input.startsWith('as', j) && isSpace(input.charCodeAt(j + 2))) {
          if (!typeOnly) write(j, ': ');
          const b = ident(skipSpace(j + 2));
          if (!b) return -1;
          j = skipSpace(b.end);
        }
        if (input[j] === ',') j = skipSpace(j + 1);
        else if (input[j] !== '}') return -1;
      }
      j = skipSpace(j + 1);
    } else if (input[j] === '*') {
      namespace = true;
      if (!typeOnly) write(j, ' ');
      j = skipSpace(j + 1);
      if (!(input.startsWith('as', j) && isSpace(input.charCodeAt(j + 2)))) return -1;
      if (!typeOnly) write(j, '  ');
      const b = ident(skipSpace(j + 2));
      if (!b) return -1;
      j = skipSpace(b.end);
    } else if (!typeOnly && (input[j] === "'" || input[j] === '"')) {
      side = true;
    } else {
      return -1;
    }
    let fromAt = j;
    if (!side) {
      if (!(input.startsWith('from', j) && !isId(input.charCodeAt(j + 4)))) return -1;
      j = skipSpace(j + 4, false);
    }
    const spec = plainString(j);
    if (!spec) return -1;
    let end = spec.end;
    const after = skipSpace(end, false);
    if (input[after] === ';') end = after + 1;
    else if (after < input.length && input[after] !== '\n' && input[after] !== '\r') return -1;
    if (!side && !namespace && !names.length) {
      // Only types (or nothing) named: TypeScript erases the statement.
      if (!typeOnly && !typeNames) return -1;
      blank(start, end);
      return end;
    }
    if (typeOnly) {
      blank(start, end);
      return end;
    }
    const call = `__mvr(${imports.length})`;
    imports.push({ spec: spec.value, names: side ? [] : names });
    if (side) {
      fromAt = start;
      if (call.length + 1 > end - start) return -1;
      const text = call + ';';
      if (/[\n\r]/.test(input.slice(start, start + text.length))) return -1;
      edits.push({ from: start, to: end, text: text + spaces(start + text.length, end) });
      return end;
    }
    write(start, 'const ');
    const replacement = `= ${call}`;
    if (replacement.length > spec.end - fromAt) return -1;
    edits.push({ from: fromAt, to: spec.end, text: replacement + spaces(fromAt + replacement.length, spec.end) });
    return end;
  };

  /** An export at i; returns the index after the keyword and name, or -1 to refuse. */
  const exportStatement = (start: number): number => {
    const j = skipSpace(start + 6);
    const kw = ident(j);
    if (!kw) return -1;
    let nameAt = skipSpace(kw.end);
    if (kw.name === 'type' || kw.name === 'interface' || kw.name === 'enum') plain = false;
    if (kw.name === 'type' || kw.name === 'interface') {
      const name = ident(nameAt);
      if (!name || name.name === 'type' || name.name === 'interface') return -1;
      const next = skipSpace(name.end);
      if (kw.name === 'type' && input[next] !== '=' && input[next] !== '<') return -1;
      blank(start, start + 6);
      return name.end;
    }
    if (kw.name === 'async') {
      const f = ident(nameAt);
      if (!f || f.name !== 'function') return -1;
      nameAt = skipSpace(f.end);
    } else if (kw.name !== 'const' && kw.name !== 'function' && kw.name !== 'enum') {
      return -1;
    }
    if (input[nameAt] === '*') nameAt = skipSpace(nameAt + 1);
    const name = ident(nameAt);
    if (!name || name.name === 'enum' || !/^[\w$]+$/.test(name.name)) return -1;
    exports.push(name.name);
    blank(start, start + 6);
    return name.end;
  };

  /** The rewritten module, or undefined when the file uses syntax outside the accepted subset. */
  function scanModule(src: string): ScannedModule | undefined {
    if (src.includes('__mv') || src.startsWith('#!') || src.charCodeAt(0) === 0xfeff) return undefined;
    // Lines are counted by \n: a lone \r or a Unicode line separator would end a line in the source map and not here.
    if (/\r(?!\n)|[\u2028\u2029]/.test(src)) return undefined;
    input = src;
    imports = [];
    exports = [];
    edits = [];
    plain = true;
    const n = src.length;
    let i = 0;
    /** For each open template `${`, the bracket depth (brackets.length) it opened at. */
    const templates: number[] = [];
    /** The kind of the last significant token: decides whether `/` divides or starts a regex. */
    let prev: 'start' | 'value' | 'op' | 'close-brace' = 'start';
    let pastImports = false;
    /** The last token was a `.`: the next name is a property, not a keyword. */
    let afterDot: boolean = false;
    /** Per open bracket: the bracket, and the conditional expressions (`?`) open inside it. */
    const brackets: number[] = [];
    const conditionals: number[] = [0];

    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 13) { i++; continue; }
      const dot: boolean = afterDot;
      afterDot = false;
      if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) { const k = src.indexOf('\n', i); i = k < 0 ? n : k; afterDot = dot; continue; }
      if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) { const k = src.indexOf('*/', i + 2); if (k < 0) return undefined; i = k + 2; afterDot = dot; continue; }
      if (c === 39 /* ' */ || c === 34 /* " */) {
        // To the closing quote, past escapes; a line break first is refused.
        const rest = c === 39 ? SINGLE_QUOTED : DOUBLE_QUOTED;
        rest.lastIndex = i + 1;
        if (!rest.test(src)) return undefined;
        i = rest.lastIndex; prev = 'value'; pastImports = true;
        continue;
      }
      if (c === 96 /* ` */ || (c === 125 /* } */ && templates.length && templates[templates.length - 1] === brackets.length)) {
        // A template literal's text, from its opening backtick or the `}` closing a `${`.
        if (c === 125) templates.pop();
        TEMPLATE_TEXT.lastIndex = i + 1;
        TEMPLATE_TEXT.test(src);
        let k = TEMPLATE_TEXT.lastIndex;
        if (k >= n) return undefined;
        if (src.charCodeAt(k) === 96) k++;
        else if (src.charCodeAt(k) === 36 && src.charCodeAt(k + 1) === 123) { templates.push(brackets.length); k += 2; }
        // A backslash that ends the file.
        else return undefined;
        i = k; prev = src.charCodeAt(k - 1) === 96 ? 'value' : 'op'; pastImports = true;
        continue;
      }
      if (isIdStart(c)) {
        let end = i + 1;
        while (end < n && isId(src.charCodeAt(end))) end++;
        const name = src.slice(i, end);
        if (!dot) {
          if (name === 'import' || name === 'export') {
            if (brackets.length || templates.length) return undefined;
            if (name === 'import') {
              if (pastImports) return undefined;
              const after = importStatement(i);
              if (after < 0) return undefined;
              i = after; prev = 'op';
              continue;
            }
            const after = exportStatement(i);
            if (after < 0) return undefined;
            i = after; prev = 'value'; pastImports = true;
            continue;
          }
          if (name === 'class' || name === 'await' || name === 'require' || name === 'arguments') return undefined;
          if ((name === 'as' || name === 'satisfies') && prev !== 'op' && prev !== 'start') plain = false;
          else if (TYPE_DECLARATIONS.has(name) && isIdStart(src.charCodeAt(skipSpace(end, false)))) plain = false;
        }
        i = end;
        // After a keyword that takes an operand, a `/` would start a regular expression.
        prev = KEYWORDS_BEFORE_EXPRESSION.has(name) ? 'op' : 'value'; pastImports = true;
        continue;
      }
      if (c >= 48 && c <= 57) {
        let k = i + 1;
        while (k < n && (isId(src.charCodeAt(k)) || src.charCodeAt(k) === 46)) k++;
        i = k; prev = 'value'; pastImports = true;
        continue;
      }
      pastImports = true;
      if (c === 47) {
        // A division after a value; after anything else a regular expression, which is refused.
        if (prev !== 'value') return undefined;
        i++; prev = 'op';
        continue;
      }
      if (c === 64 /* @ */ || c === 35 /* # */) return undefined;
      if (c === 40 /* ( */ || c === 91 /* [ */ || c === 123 /* { */) { brackets.push(c); conditionals.push(0); i++; prev = 'op'; continue; }
      if (c === 41 /* ) */ || c === 93 /* ] */ || c === 125 /* } */) {
        if (!brackets.length) return undefined;
        brackets.pop(); conditionals.pop();
        i++; prev = c === 125 ? 'close-brace' : 'value';
        continue;
      }
      if (c === 44 /* , */ && !brackets.length) return undefined;
      if (c === 60 /* < */) plain = false;
      else if (c === 63 /* ? */) {
        // `??` and `?.` (not before a digit: `a?.5:b` is a conditional) open no conditional.
        if (src.charCodeAt(i + 1) === 63) { i += 2; prev = 'op'; continue; }
        const next = src.charCodeAt(skipSpace(i + 1));
        // An optional parameter or property (`b?: T`, `b?)`): TypeScript's.
        if (next === 58 /* : */ || next === 41 /* ) */ || next === 44 /* , */ || next === 61 /* = */) plain = false;
        else if (!(src.charCodeAt(i + 1) === 46 && !(src.charCodeAt(i + 2) >= 48 && src.charCodeAt(i + 2) <= 57))) conditionals[conditionals.length - 1]!++;
      } else if (c === 58 /* : */) {
        const open = conditionals.length - 1;
        if (conditionals[open]! > 0) conditionals[open]!--;
        // In parentheses or brackets outside a conditional, only a type annotation.
        else if (brackets.length && brackets[brackets.length - 1] !== 123) plain = false;
      }
      i++;
      prev = 'op';
      afterDot = c === 46 /* . */;
    }
    if (brackets.length || templates.length) return undefined;
    edits.sort((a, b) => a.from - b.from);
    const parts: string[] = [];
    let at = 0;
    for (const e of edits) {
      parts.push(src.slice(at, e.from), e.text);
      at = e.to;
    }
    parts.push(src.slice(at));
    return { code: parts.join(''), imports, exports: [...new Set(exports)].sort(), plain };
  }
  return scanModule;
}

/** The rewritten module, or undefined when the file uses syntax outside the accepted subset. */
export const scanModule = makeScanner();
