import type { SqlModel } from '../dsl/model.ts';
import { relationOf } from '../emit/select.ts';
import type { Diagnostic } from '../errors.ts';
import { diag, renderTemplate, type ModelGraph } from '../graph.ts';

export interface RenderedSqlModels {
  /** The SQL of every SQL model whose template renders, by model name, as compile renders it. */
  readonly sql: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

const MISSING_PARTIAL = /^The partial (.+) could not be found$/;

/**
 * Renders every SQL model's template once, for the passes that read its SQL. A template that does
 * not render is an error at its model; a `{{> name}}` without a file in the macros folder says
 * which file is missing (a project without a macros folder simply has no macros).
 */
export function renderSqlModels(graph: ModelGraph, macros: { readonly dir: string; readonly exists: boolean }): RenderedSqlModels {
  const sql = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const m of graph.models.values()) {
    if (m.kind !== 'sql') continue;
    try {
      sql.set(m.name, renderTemplate(m.template, graph.macros, (n) => relationOf(graph, n)).trim().replace(/;\s*$/, ''));
    } catch (e) {
      diagnostics.push(templateError(m, e, macros));
    }
  }
  return { sql, diagnostics };
}

function templateError(m: SqlModel, e: unknown, macros: { readonly dir: string; readonly exists: boolean }): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  const partial = MISSING_PARTIAL.exec(message)?.[1];
  if (partial) {
    const where = macros.exists ? `${macros.dir}/ has no ${partial}.hbs or ${partial}.sql` : `the project has no ${macros.dir}/ folder`;
    return diag(m, 'missing-macro', `the SQL of "${m.name}" uses the macro {{> ${partial}}}, but ${where}`,
      `create ${macros.dir}/${partial}.hbs with the macro's SQL, or remove {{> ${partial}}} from the model`);
  }
  return diag(m, 'template-error', `the SQL template of "${m.name}" does not render: ${message.split('\n')[0]}`, 'check the handlebars syntax: {{ref "model"}} and {{> macro arg="..."}}');
}
