/** How a failed assertion ends a refresh: `error` exits 1 (after the refresh committed), `warn` prints and exits 0. */
export type AssertLevel = 'error' | 'warn';

/** Columns, alone or with their level: `['id']` or `{ columns: ['id'], level: 'warn' }`. */
export type AssertColumns<K extends string> = readonly K[] | { readonly columns: readonly K[]; readonly level?: AssertLevel };

export type AcceptedValue = string | number | boolean;

/**
 * Checks on a model's rows, run after each refresh of the model (and by `mvkit check`). Every
 * check defaults to level `error`. `K`: the model's column names (typed where the DSL knows them).
 */
export interface AssertSpec<K extends string = string> {
  /** No two rows share these columns' values (taken together). */
  readonly unique?: AssertColumns<K>;
  /** None of these columns is NULL. */
  readonly notNull?: AssertColumns<K>;
  /** Per column, the values it may take (NULL is left to notNull). */
  readonly acceptedValues?: { readonly [C in K]?: readonly AcceptedValue[] | { readonly values: readonly AcceptedValue[]; readonly level?: AssertLevel } };
  /**
   * These numeric columns sum to the same totals here as in the model this one is built from
   * (`from`): a rollup loses nothing. `tolerance`: the largest absolute difference accepted (default 0).
   */
  readonly equalTotals?: readonly K[] | { readonly columns: readonly K[]; readonly tolerance?: number; readonly level?: AssertLevel };
  /** The newest value of a TIMESTAMP column is at most `maxAge` old (`'90 minutes'`, `'2 hours'`, `'1 day'`); an empty model fails. */
  readonly freshness?: { readonly column: K; readonly maxAge: string; readonly level?: AssertLevel };
}

/** `{ assert }` when the options declare one, else nothing: models without assertions stay as they were. */
export function assertOf(options: { readonly assert?: AssertSpec<string> }): { readonly assert?: AssertSpec } {
  return options.assert ? { assert: options.assert } : {};
}
