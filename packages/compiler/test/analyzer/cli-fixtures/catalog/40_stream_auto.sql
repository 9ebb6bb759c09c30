CREATE MATERIALIZED VIEW clicks_stream AUTO REFRESH YES AS SELECT partition_key, JSON_PARSE(kinesis_data) AS payload FROM kds."clicks" WHERE CAN_JSON_PARSE(kinesis_data);
