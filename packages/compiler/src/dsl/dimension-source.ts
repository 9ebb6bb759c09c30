/**
 * Where a dimension's rows live instead of a CDC-loaded table, on Redshift: an Aurora PostgreSQL (or RDS
 * PostgreSQL) table read through federated query. The local engines ignore it and load the dimension from
 * landing files. https://docs.aws.amazon.com/redshift/latest/dg/federated-overview.html
 */
export interface DimensionSource {
  readonly postgres: {
    readonly database: string;
    /** The PostgreSQL schema; `public` when absent. */
    readonly schema?: string;
    /** The table there; the dimension's name when absent. */
    readonly table?: string;
    /** The cluster endpoint. */
    readonly uri: string;
    readonly port?: number;
    readonly iamRole: string;
    /** The Secrets Manager secret with the PostgreSQL credentials. */
    readonly secretArn: string;
  };
}
