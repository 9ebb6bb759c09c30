/**
 * Where a stream's events come from on Redshift: Kinesis Data Streams or MSK / Apache Kafka,
 * read by streaming ingestion into a materialized view instead of landing files and COPY.
 * The local engines ignore it and keep loading the stream from landing files.
 * https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-streaming-ingestion.html
 */
export type StreamSource =
  | {
      readonly kinesis: {
        /** The Kinesis stream name (case-sensitive, quoted in the MV). */
        readonly stream: string;
        /** The IAM role Redshift assumes to read the stream; `default` for the cluster's default role. */
        readonly iamRole: string;
      };
    }
  | {
      readonly kafka: {
        readonly topic: string;
        /** Bootstrap brokers, `host:port,host:port`. */
        readonly brokers: string;
        /** How Redshift authenticates to the brokers. */
        readonly authentication: 'none' | 'iam' | 'mtls';
        /** With `iam`: the IAM role; with `mtls`: the ACM certificate ARN goes in `certificate`. */
        readonly iamRole?: string;
        readonly certificate?: string;
        /** `msk` (Amazon MSK) or `kafka` (self-managed / Confluent): the FROM of CREATE EXTERNAL SCHEMA. */
        readonly flavor?: 'msk' | 'kafka';
      };
    };
