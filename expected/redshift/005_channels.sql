-- table channels (dimension, model channels at models/dimensions/channels.ts:3)
CREATE TABLE channels (
  channel_id VARCHAR(16) NOT NULL,
  channel_name VARCHAR(32),
  provider VARCHAR(32),
  PRIMARY KEY (channel_id)
)
DISTSTYLE ALL
COMPOUND SORTKEY (channel_id)
ENCODE AUTO;
