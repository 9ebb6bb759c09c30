import type { ExprNode } from '../expr.ts';
import type { Model } from '../dsl/model.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import type { BaseType } from '../types.ts';

const IDENT = /^[a-z_][a-z0-9_]{0,126}$/;

/**
 * What tsc catches in a typed project, checked again at load time: model files may be plain
 * JavaScript, or typed loosely. Columns that do not exist, types that do not fit, measures a
 * rollup cannot re-aggregate.
 */
export function structurePass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    const err = (code: string, message: string, hint: string) => out.push(diag(m, code, message, hint));
    if (!IDENT.test(m.name)) err('invalid-name', `"${m.name}" is not a valid relation name`, 'use lower-case letters, digits and underscores, starting with a letter');
    for (const c of Object.keys(m.columns)) if (!IDENT.test(c)) err('invalid-name', `column "${c}" of "${m.name}" is not a valid column name`, 'use lower-case letters, digits and underscores');
    const need = (cols: Readonly<Record<string, unknown>>, names: readonly string[], what: string, where: string) => {
      for (const n of names) if (!(n in cols)) err('unknown-column', `${what} "${n}" is not a column of ${where}`, `columns of ${where}: ${Object.keys(cols).join(', ')}`);
    };
    switch (m.kind) {
      case 'stream':
        need(m.columns, m.key, 'key column', `stream "${m.name}"`);
        need(m.columns, [m.tenant, m.eventTime], 'column', `stream "${m.name}"`);
        if (m.columns[m.eventTime] && m.columns[m.eventTime]!.base !== 'timestamp') err('type-mismatch', `event-time column "${m.eventTime}" is ${m.columns[m.eventTime]!.base}, not a timestamp`, 'declare it with t.timestamp()');
        break;
      case 'dimension':
        need(m.columns, m.key, 'key column', `dimension "${m.name}"`);
        if (m.tenant) need(m.columns, [m.tenant], 'tenant column', `dimension "${m.name}"`);
        break;
      case 'streamJoin': {
        if (Object.keys(m.streams).length < 2) err('stream-join-arity', `stream join "${m.name}" lands ${Object.keys(m.streams).length} stream(s)`, 'a stream join lands two or more streams');
        const types = new Map<string, [string, BaseType]>();
        for (const s of Object.values(m.streams)) {
          need(s.columns, m.key, 'join key column', `stream "${s.name}"`);
          for (const [c, t] of Object.entries(s.columns)) {
            const prior = types.get(c);
            if (prior && prior[1] !== t.base) err('type-mismatch', `column "${c}" is ${prior[1]} in "${prior[0]}" but ${t.base} in "${s.name}": they land in one table`, 'rename one of the two, or give them the same type');
            else types.set(c, [s.name, t.base]);
          }
        }
        for (const p of m.pivot) {
          const s = m.streams[p.stream];
          if (p.arg?.kind === 'column' && s && !(p.arg.name in s.columns)) err('unknown-column', `pivot "${p.name}" reads "${p.arg.name}", not a column of stream "${s.name}"`, `columns: ${Object.keys(s.columns).join(', ')}`);
        }
        break;
      }
      case 'enrichment':
        for (const j of m.joins) {
          const dim = j.dimension;
          for (const [dc, ic] of j.on) {
            need(dim.columns, [dc], 'join column', `dimension "${dim.name}"`);
            need(m.from.columns, [ic], 'join column', `"${m.from.name}"`);
            const a = dim.columns[dc]?.base;
            const b = m.from.columns[ic]?.base;
            if (a && b && a !== b) err('type-mismatch', `join compares ${dim.name}.${dc} (${a}) with ${m.from.name}.${ic} (${b})`, 'join columns of the same type');
          }
          const onCols = j.on.map(([dc]) => dc);
          if (dim.key.some((k) => !onCols.includes(k))) {
            err('join-not-on-key', `the join with "${dim.name}" does not cover its key (${dim.key.join(', ')}): input rows would be duplicated`, `join on every key column of "${dim.name}"`);
          }
          need(dim.columns, j.columns, 'column', `dimension "${dim.name}"`);
        }
        out.push(...outputClashes(m));
        checkExprs(m, [...m.derive.map((x) => x.expr), ...(m.where ? [m.where] : [])], out);
        break;
      case 'aggregate':
        need(m.from.columns, m.groupBy, 'group-by column', `"${m.from.name}"`);
        if (m.bucket) {
          need(m.from.columns, [m.bucket.column], 'bucket column', `"${m.from.name}"`);
          const b = m.from.columns[m.bucket.column]?.base;
          if (b && b !== 'timestamp' && b !== 'date') err('type-mismatch', `bucket column "${m.bucket.column}" is ${b}, not a timestamp`, 'bucket a timestamp or date column');
        }
        for (const s of m.measures) {
          if ((s.fn === 'sum') && s.arg?.kind === 'column') {
            const b = m.from.columns[s.arg.name]?.base;
            if (b && b !== 'number') err('type-mismatch', `measure "${s.name}" sums "${s.arg.name}", which is ${b}`, 'sum a numeric column, or count it with countIf');
          }
          if (s.arg) checkExprs(m, [s.arg, ...(s.filter ? [s.filter] : [])], out);
        }
        break;
      case 'rollup': {
        const groups = [...m.from.groupBy, ...(m.from.bucket ? [m.from.bucket.name] : [])];
        for (const g of m.groupBy) if (!groups.includes(g)) err('unknown-column', `rollup group column "${g}" is not a group column of "${m.from.name}"`, `group columns of "${m.from.name}": ${groups.join(', ')}`);
        if (m.bucket && !groups.includes(m.bucket.column)) err('unknown-column', `rollup bucket reads "${m.bucket.column}", not a group column of "${m.from.name}"`, 'roll up one of the input\'s time buckets');
        const measures = new Map(m.from.measures.map((x) => [x.name, x]));
        for (const r of m.requested) {
          const x = measures.get(r);
          if (!x) err('unknown-measure', `rollup "${m.name}" rolls up "${r}", which is not a measure of "${m.from.name}"`, `measures of "${m.from.name}": ${[...measures.keys()].join(', ')}`);
          else if (!x.rollup) err('non-additive-rollup', `measure "${r}" of "${m.from.name}" cannot be rolled up: ${x.why ?? 'it is not additive'}`, 'compute it in an aggregate at the coarser grain directly, or drop it from the rollup');
        }
        break;
      }
      case 'view': case 'sql':
        break;
    }
  }
  return out;
}

/**
 * Every output column of an enrichment has one source: the input, one join's carried column, or
 * one derived expression. Two sources of one name would be a database error at apply.
 */
function outputClashes(m: Model & { kind: 'enrichment' }): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const add = (name: string, source: string, fix: string) => {
    const prior = sources.get(name);
    if (prior === undefined) {
      sources.set(name, source);
      return;
    }
    out.push(diag(m, 'duplicate-column', `output column "${name}" of "${m.name}" comes from both ${prior} and ${source}`, fix));
  };
  for (const c of Object.keys(m.from.columns)) add(c, `the input "${m.from.name}"`, '');
  for (const j of m.joins) {
    for (const [name, c] of j.carry) {
      add(name, `the join with "${j.dimension.name}" (${j.dimension.name}.${c})`,
        `rename the carried column: columns: { ${j.dimension.name}_${c}: '${c}' } in the join with "${j.dimension.name}"`);
    }
  }
  for (const d of m.derive) add(d.name, `the derived column "${d.name}"`, 'give the derived column another name');
  return out;
}

/** Column references inside expressions must name columns of the scope. */
function checkExprs(m: Model, exprs: readonly ExprNode[], out: Diagnostic[]): void {
  const scope = new Set<string>();
  if (m.kind === 'enrichment') {
    for (const c of Object.keys(m.from.columns)) scope.add(`i.${c}`);
    for (const j of m.joins) for (const c of Object.keys(j.dimension.columns)) scope.add(`${j.alias}.${c}`);
  } else if (m.kind === 'aggregate') {
    for (const c of Object.keys(m.from.columns)) scope.add(`.${c}`);
  }
  const walk = (n: ExprNode): void => {
    switch (n.kind) {
      case 'column':
        if (!scope.has(`${n.rel ?? ''}.${n.name}`)) out.push(diag(m, 'unknown-column', `expression reads "${n.name}", which is not in scope`, 'check the column name'));
        return;
      case 'binary': walk(n.left); walk(n.right); return;
      case 'not': case 'isNull': case 'cast': walk(n.arg); return;
      case 'in': walk(n.arg); n.values.forEach(walk); return;
      case 'case': n.whens.forEach(([a, b]) => { walk(a); walk(b); }); if (n.otherwise) walk(n.otherwise); return;
      case 'call': n.args.forEach(walk); return;
      case 'dateTrunc': walk(n.arg); return;
      case 'secondsBetween': walk(n.from); walk(n.to); return;
      case 'literal': case 'raw': return;
    }
  };
  exprs.forEach(walk);
}
