import type { ExprNode } from '../expr.ts';
import type { Model } from '../dsl/model.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import { columnRefs } from '../ir/visit.ts';
import { handlerOf, lookups } from '../kinds/index.ts';
import { checkServed } from '../kinds/served.ts';

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
    handlerOf(m).check(m, { err, need, exprs: (list) => checkExprs(m, list, out) });
    checkServed(m, lookups(graph), { err });
  }
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
  // Every column reference, found by the expression visitor (a raw SQL leaf is not looked into).
  for (const e of exprs) {
    for (const n of columnRefs(e)) {
      if (!scope.has(`${n.rel ?? ''}.${n.name}`)) out.push(diag(m, 'unknown-column', `expression reads "${n.name}", which is not in scope`, 'check the column name'));
    }
  }
}
