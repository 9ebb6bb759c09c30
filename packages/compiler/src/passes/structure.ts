import type { ExprNode } from '../expr.ts';
import type { Model } from '../dsl/model.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, type ModelGraph } from '../graph.ts';
import { columnRefs } from '../ir/visit.ts';
import { handlerOf, lookups } from '../kinds/index.ts';
import { checkServed } from '../kinds/served.ts';
import type { CheckContext } from '../kinds/kind-handler.ts';

const IDENT = /^[a-z_][a-z0-9_]{0,126}$/;

/**
 * What tsc catches in a typed project, checked again at load time: model files may be plain
 * JavaScript, or typed loosely. Columns that do not exist, types that do not fit, measures a
 * rollup cannot re-aggregate.
 */
export function structurePass(graph: ModelGraph): Diagnostic[] {
  const out: Diagnostic[] = [];
  const l = lookups(graph);
  for (const m of graph.models.values()) {
    const ctx = new ModelCheck(m, out);
    if (!IDENT.test(m.name)) ctx.err('invalid-name', `"${m.name}" is not a valid relation name`, 'use lower-case letters, digits and underscores, starting with a letter');
    for (const c of Object.keys(m.columns)) if (!IDENT.test(c)) ctx.err('invalid-name', `column "${c}" of "${m.name}" is not a valid column name`, 'use lower-case letters, digits and underscores');
    handlerOf(m).check(m, ctx);
    checkServed(m, l, ctx);
  }
  return out;
}

/** The checks of one model, its diagnostics added to `out` (methods, not closures made per model). */
class ModelCheck implements CheckContext {
  constructor(
    private readonly m: Model,
    private readonly out: Diagnostic[],
  ) {}
  err(code: string, message: string, hint: string): void {
    this.out.push(diag(this.m, code, message, hint));
  }
  need(cols: Readonly<Record<string, unknown>>, names: readonly string[], what: string, where: string): void {
    for (const n of names) if (!(n in cols)) this.err('unknown-column', `${what} "${n}" is not a column of ${where}`, `columns of ${where}: ${Object.keys(cols).join(', ')}`);
  }
  exprs(list: readonly ExprNode[]): void {
    checkExprs(this.m, list, this.out);
  }
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
