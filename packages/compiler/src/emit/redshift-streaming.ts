import type { StreamSource } from '../dsl/stream-source.ts';
import type { ManifestColumn, ManifestNode } from '../manifest.ts';

/*
 * A stream fed by Redshift streaming ingestion: an external schema that maps the Kinesis stream or
 * Kafka topic, and a materialized view on it (AUTO REFRESH YES) in place of the landing table; the
 * MVs built on the stream read it as they read the table.
 * - Kinesis: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion-getting-started.html
 * - MSK/Kafka: https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion-getting-started-MSK.html
 * - CREATE EXTERNAL SCHEMA: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_EXTERNAL_SCHEMA.html
 * The payload is JSON: each declared column is extracted from it with JSON_EXTRACT_PATH_TEXT and cast
 * to its type, as the streaming page's parsing best practices advise (a record that is not JSON is skipped
 * by the WHERE rather than failing the refresh).
 */

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The external schema a streamed stream reads through: one per stream, named after it. */
export const streamSchemaOf = (stream: string) => `${stream}_source`;

export function redshiftStreamSchemaDdl(stream: string, source: StreamSource): string {
  const schema = streamSchemaOf(stream);
  if ('kinesis' in source) {
    const role = source.kinesis.iamRole === 'default' ? 'default' : lit(source.kinesis.iamRole);
    return `CREATE EXTERNAL SCHEMA IF NOT EXISTS ${schema}\nFROM KINESIS\nIAM_ROLE ${role};`;
  }
  const k = source.kafka;
  const auth = [`AUTHENTICATION ${k.authentication}`];
  if (k.authentication === 'iam' && k.iamRole) auth.unshift(`IAM_ROLE ${k.iamRole === 'default' ? 'default' : lit(k.iamRole)}`);
  if (k.authentication === 'mtls' && k.certificate) auth.push(`AUTHENTICATION_ARN ${lit(k.certificate)}`);
  return `CREATE EXTERNAL SCHEMA IF NOT EXISTS ${schema}\nFROM ${k.flavor === 'kafka' ? 'KAFKA' : 'MSK'}\n${auth.join('\n')}\nURI ${lit(k.brokers)};`;
}

/** The streaming MV's SELECT: the declared columns, typed, from the record's JSON payload. */
export function redshiftStreamSelect(stream: string, columns: readonly ManifestColumn[], source: StreamSource): string {
  const kinesis = 'kinesis' in source;
  const payload = kinesis ? 'kinesis_data' : 'kafka_value';
  const text = `FROM_VARBYTE(${payload}, 'utf-8')`;
  const cols = columns.map((c) => `  CAST(JSON_EXTRACT_PATH_TEXT(${text}, ${lit(c.name)}) AS ${c.type}) AS ${c.name}`);
  const relation = `${streamSchemaOf(stream)}.${ident(kinesis ? source.kinesis.stream : source.kafka.topic)}`;
  // Only the declared columns: the MVs built on the stream see the same relation on every engine.
  return `SELECT\n${cols.join(',\n')}\nFROM ${relation}\nWHERE CAN_JSON_PARSE(${payload})`;
}

/** The statements that create a streamed stream on Redshift: its external schema, then the streaming MV. */
export function redshiftStreamingDdl(node: ManifestNode & { readonly streamSource: StreamSource }): string[] {
  const p = node.physical;
  const head = [`CREATE MATERIALIZED VIEW ${node.name}`];
  if (p.distKey) head.push(`DISTKEY (${p.distKey})`);
  if (p.sortKey.length) head.push(`SORTKEY (${p.sortKey.join(', ')})`);
  // Streaming MVs are refreshed from the stream by Redshift itself [STREAM].
  head.push('AUTO REFRESH YES');
  return [redshiftStreamSchemaDdl(node.name, node.streamSource), `${head.join('\n')}\nAS\n${node.sql};`];
}
