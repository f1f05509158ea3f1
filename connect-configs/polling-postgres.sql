-- Outbox table for the polling source on PostgreSQL 13+. For another table, replace every "outbox".
-- txid: the writing transaction's id; the source reads only rows of transactions below the snapshot's xmin horizon.
-- seq: the row's place within its transaction. (txid, seq) is the cursor and must be indexed.
CREATE TABLE outbox (
  id VARCHAR(64) PRIMARY KEY,
  aggregatetype VARCHAR(255) NOT NULL,
  aggregateid VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload JSONB,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX outbox_cursor ON outbox (txid, seq);
