/** The kinds of value the DSL type-checks; each SQL type maps to one. */
export type BaseType = 'text' | 'number' | 'boolean' | 'timestamp' | 'date';

export interface ColType<B extends BaseType = BaseType> {
  readonly base: B;
  /** The SQL type, spelled the same on Redshift and Postgres. */
  readonly sql: string;
}

const col = <B extends BaseType>(base: B, sql: string): ColType<B> => Object.freeze({ base, sql });

/** Column types for stream and dimension declarations. */
export const t = {
  varchar: (length = 256) => col('text', `VARCHAR(${length})`),
  char: (length: number) => col('text', `CHAR(${length})`),
  smallint: () => col('number', 'SMALLINT'),
  int: () => col('number', 'INTEGER'),
  bigint: () => col('number', 'BIGINT'),
  numeric: (precision = 18, scale = 4) => col('number', `NUMERIC(${precision},${scale})`),
  double: () => col('number', 'DOUBLE PRECISION'),
  boolean: () => col('boolean', 'BOOLEAN'),
  timestamp: () => col('timestamp', 'TIMESTAMP'),
  date: () => col('date', 'DATE'),
};

export type ColumnTypes = Record<string, ColType>;
/** Column name → base type: the shape every model exposes to the models built on it. */
export type Shape = Record<string, BaseType>;
export type ShapeOf<C extends ColumnTypes> = { [K in keyof C]: C[K]['base'] };
export type KeysOfType<S extends Shape, B extends BaseType> = { [K in keyof S]: S[K] extends B ? K : never }[keyof S] & string;
