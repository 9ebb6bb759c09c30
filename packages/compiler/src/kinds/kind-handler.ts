import type { Model, ModelKind } from '../dsl/model.ts';
import type { Dialect } from '../emit/dialect.ts';
import type { ExprNode } from '../expr.ts';
import type { ModelGraph } from '../graph.ts';
import type { QueryNode } from '../ir/select-node.ts';
import { servedOf } from './served.ts';
import type { ManifestColumn, ManifestNode, ManifestStream, PhysicalAttributes } from '../manifest.ts';

export type ModelOf<K extends ModelKind> = Extract<Model, { kind: K }>;

/** A manifest node before its fingerprint and DDL. */
export type Draft = Omit<ManifestNode, 'fingerprint' | 'ddl'>;

/** What a kind needs to know about the other models (answered by their own handlers). */
export interface Lookups {
  physicalOf(m: Model): PhysicalAttributes;
  tenantOf(m: Model): string | null;
  keyOf(m: Model): readonly string[] | null;
}

export interface CompileContext {
  readonly graph: ModelGraph;
  readonly dialect: Dialect;
  readonly lookups: Lookups;
  /** The declaration, as the manifest writes it. */
  readonly loc: { readonly file: string; readonly line: number };
  /** The relations the model reads (a joined stream's landing table for the stream). */
  readonly dependsOn: readonly string[];
  node(d: Draft): void;
  stream(s: ManifestStream): void;
}

export interface CheckContext {
  err(code: string, message: string, hint: string): void;
  /** Each of `names` must be a column of `cols`. */
  need(cols: Readonly<Record<string, unknown>>, names: readonly string[], what: string, where: string): void;
  /** Column references of the model's expressions must be in its scope. */
  exprs(list: readonly ExprNode[]): void;
}

/**
 * Everything the compiler knows about one model kind, in one place. The table of handlers is
 * keyed by kind (kinds/index.ts): a kind added to the Model union does not type-check until it
 * has a handler with every entry.
 */
export interface KindHandler<M extends Model> {
  /** Models (and SQL-referenced names) it is built from. */
  refs(m: M, macros: Readonly<Record<string, string>>): (Model | string)[];
  /** The tenant column of its rows, or null (global). */
  tenant(m: M, lookups: Lookups): string | null;
  /** Whether the target stores it as a materialized view. */
  materialized(m: M): boolean;
  /** Default physical attributes (`landing`: a stream join's landing table). */
  physical(m: M, graph: ModelGraph, lookups: Lookups, landing: boolean): PhysicalAttributes;
  /** Its one select, as a tree; null for a table. */
  select(m: M, graph: ModelGraph): QueryNode | null;
  /** The unique key of its rows, or null. */
  key(m: M, lookups: Lookups): readonly string[] | null;
  /** The manifest nodes and stream routes it compiles to. */
  compile(m: M, ctx: CompileContext): void;
  /** Structural checks (what tsc catches in a typed project, again at load time). */
  check(m: M, ctx: CheckContext): void;
}

export function manifestColumns(columns: Model['columns'], notNull: readonly string[]): ManifestColumn[] {
  return Object.entries(columns).map(([name, c]) => ({ name, type: c?.sql ?? 'VARCHAR(256)', nullable: !notNull.includes(name) }));
}

/** The manifest node of a model's select: an MV, or a view (rendered for the target unless `sql` is given). */
export function selectNode(m: Model, ctx: CompileContext, q: QueryNode | null, sql: string, options: { kind: 'mv' | 'view'; key: readonly string[] | null; tenant: string | null }): Draft {
  return {
    name: m.name, kind: options.kind, role: m.kind, model: m.name, ...ctx.loc, columns: manifestColumns(m.columns, []), dependsOn: ctx.dependsOn, key: options.key,
    tenant: options.tenant, eventTime: null, appendOnly: false, physical: ctx.lookups.physicalOf(m), sql, select: q,
    ...servedOf(m, ctx.lookups),
  };
}
