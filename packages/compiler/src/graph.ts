import Handlebars from 'handlebars';
import type { Diagnostic } from './errors.ts';
import type { Model, SqlModel, StreamJoinModel, StreamModel } from './dsl/model.ts';
import { directRefs } from './kinds/index.ts';

/** The model graph: every model by name, its dependencies by name, a topological order. */
export interface ModelGraph {
  readonly models: ReadonlyMap<string, Model>;
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly order: readonly string[];
  /** The stream join each joined stream lands in. */
  readonly landedIn: ReadonlyMap<string, string>;
  readonly macros: Readonly<Record<string, string>>;
  readonly diagnostics: readonly Diagnostic[];
}

export function diag(m: Model, code: string, message: string, hint?: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { code, severity, message, model: m.name, file: m.loc.file, line: m.loc.line, column: m.loc.column, hint };
}

/** Direct dependencies of a model: objects it was built from and names its SQL references (see each kind's handler). */
export { directRefs };

/** Names used with {{ref "..."}} in a SQL model's template (macros included). */
export function sqlRefNames(m: SqlModel, macros: Readonly<Record<string, string>>): string[] {
  const names: string[] = [];
  renderTemplate(m.template, macros, (name) => { names.push(name); return name; });
  return names;
}

export function renderTemplate(template: string, macros: Readonly<Record<string, string>>, ref: (name: string) => string): string {
  const hb = Handlebars.create();
  for (const [name, body] of Object.entries(macros)) hb.registerPartial(name, body.replace(/\s+$/, ''));
  hb.registerHelper('ref', (name: unknown) => new hb.SafeString(ref(String(name))));
  return hb.compile(template, { noEscape: true, strict: false })({});
}

export function buildGraph(input: readonly Model[], macros: Readonly<Record<string, string>> = {}): ModelGraph {
  const diagnostics: Diagnostic[] = [];
  const models = new Map<string, Model>();
  const all: Model[] = [];
  const seen = new Set<Model>();
  // Models reachable from the exported ones belong to the project even when not exported.
  const visit = (m: Model) => {
    if (seen.has(m)) return;
    seen.add(m);
    all.push(m);
    for (const r of directRefsSafe(m, macros, diagnostics)) if (typeof r !== 'string') visit(r);
  };
  for (const m of input) visit(m);
  for (const m of all) {
    const prior = models.get(m.name);
    if (prior) {
      diagnostics.push(diag(m, 'duplicate-name', `a model named "${m.name}" is already declared at ${prior.loc.file}:${prior.loc.line}`,
        'give one of the two models another name: names are the relation names on the target'));
      continue;
    }
    models.set(m.name, m);
  }
  const landedIn = new Map<string, string>();
  for (const m of models.values()) {
    if (m.kind !== 'streamJoin') continue;
    for (const s of Object.values(m.streams)) {
      const other = landedIn.get(s.name);
      if (other) diagnostics.push(diag(m, 'stream-joined-twice', `stream "${s.name}" already lands in the stream join "${other}"`, 'a stream lands in one table: join it once'));
      else landedIn.set(s.name, m.name);
    }
    if (models.has(m.landing)) diagnostics.push(diag(m, 'duplicate-name', `the landing table "${m.landing}" of stream join "${m.name}" has the name of a model`, 'set `landing` to another name'));
  }
  const deps = new Map<string, string[]>();
  for (const m of models.values()) {
    const names: string[] = [];
    for (const r of directRefsSafe(m, macros, [])) {
      const name = typeof r === 'string' ? r : r.name;
      if (!models.has(name)) {
        diagnostics.push(diag(m, 'unknown-reference', `"${m.name}" references "${name}", which no model declares`, 'declare the model, or fix the name in {{ref ...}} / refs'));
        continue;
      }
      if (!names.includes(name)) names.push(name);
    }
    deps.set(m.name, names);
  }
  const order = topoSort(models, deps, diagnostics);
  return { models, deps, order, landedIn, macros, diagnostics };
}

function directRefsSafe(m: Model, macros: Readonly<Record<string, string>>, diagnostics: Diagnostic[]): (Model | string)[] {
  try {
    return directRefs(m, macros);
  } catch (e) {
    diagnostics.push(diag(m, 'template-error', `the SQL template does not render: ${(e as Error).message}`, 'check the handlebars syntax and the partial names in macros/'));
    return m.kind === 'sql' ? [...m.refs] : [];
  }
}

function topoSort(models: Map<string, Model>, deps: Map<string, string[]>, diagnostics: Diagnostic[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const m = models.get(name)!;
        diagnostics.push(diag(m, 'cycle', `models depend on each other in a cycle: ${cycle.join(' -> ')}`, 'an MV cannot be built on itself: break the cycle by removing one reference'));
      }
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of deps.get(name) ?? []) visit(d);
    stack.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...models.keys()].sort()) visit(name);
  return order;
}

const streamJoinsByLanding = new WeakMap<ModelGraph, ReadonlyMap<string, StreamJoinModel>>();

/** The stream join whose landing table is `name` (the first in the graph's order of models), read from one index per graph. */
export function streamJoinLandingIn(graph: ModelGraph, name: string): StreamJoinModel | undefined {
  let index = streamJoinsByLanding.get(graph);
  if (!index) {
    const byLanding = new Map<string, StreamJoinModel>();
    for (const m of graph.models.values()) if (m.kind === 'streamJoin' && !byLanding.has(m.landing)) byLanding.set(m.landing, m);
    streamJoinsByLanding.set(graph, (index = byLanding));
  }
  return index.get(name);
}

export function isJoinedStream(graph: ModelGraph, m: Model): m is StreamModel {
  return m.kind === 'stream' && graph.landedIn.has(m.name);
}
