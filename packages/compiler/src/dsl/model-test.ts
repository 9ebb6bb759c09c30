import { callSite, type SourceLoc } from '../location.ts';
import type { BaseType, Shape } from '../types.ts';
import type { Model, ShapeOfModel, Typed } from './model.ts';

/** A value of a column of this base type, as a test writes it (times in UTC: `'2026-01-01T10:00:00Z'` or a Date). */
export type TestValue<B extends BaseType> = B extends 'text' ? string : B extends 'number' ? number : B extends 'boolean' ? boolean : string | Date;

/** A row of a model: the columns a test names, typed from the model (a misspelled column is a tsc error). */
export type TestRow<S extends Shape> = { readonly [K in keyof S]?: TestValue<S[K]> | null };

/** Rows of one model: the input of a source, or the rows expected of a model. */
export interface ModelRows {
  readonly model: Model;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/** `rows(messages, [{ tenant_id: 't1', ... }])`: rows typed against the model's columns. */
export function rows<M extends Typed<Model, Shape>>(model: M, values: readonly TestRow<ShapeOfModel<M>>[]): ModelRows {
  return { model, rows: values as readonly Readonly<Record<string, unknown>>[] };
}

/** One load of a test: rows inserted into streams and upserted into dimensions (by key); dimension rows deleted by key. */
export interface TestStep {
  readonly load?: readonly ModelRows[];
  readonly delete?: readonly ModelRows[];
}

export interface ModelTestSpec {
  /**
   * The inputs in the order they arrive, each step followed by an incremental refresh. With
   * `given` instead, the runner splits every input's rows in two halves (first half, refresh,
   * second half, refresh): either way a test checks that the models maintain incrementally.
   */
  readonly steps?: readonly TestStep[];
  readonly given?: readonly ModelRows[];
  /**
   * Per model, the rows it must hold after the last step, in any order. Compared on the columns
   * the rows name (a column one row leaves out that another names is expected NULL there);
   * numbers equal within a relative 1e-9, times compared as instants (UTC).
   */
  readonly expect: readonly ModelRows[];
}

export interface ModelTest extends ModelTestSpec {
  readonly name: string;
  readonly loc: SourceLoc;
}

export const TEST_MARK = Symbol.for('mvkit.test');

export function isModelTest(value: unknown): value is ModelTest {
  return typeof value === 'object' && value !== null && TEST_MARK in value;
}

/**
 * A unit test of models, in a file next to them (`models/**\/*.test.ts`), run by `mvkit test`
 * on an in-memory local engine. Export it (any name, or default).
 */
export function defineTest(name: string, spec: ModelTestSpec): ModelTest {
  const t = { ...spec, name, loc: callSite() };
  Object.defineProperty(t, TEST_MARK, { value: true, enumerable: false });
  return Object.freeze(t);
}

/** Model test files: `*.test.ts` (or .mts, .js, .mjs) under the models folder. */
export const isTestFile = (file: string): boolean => /\.test\.(ts|mts|js|mjs)$/.test(file);
