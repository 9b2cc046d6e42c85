-- Smart wait: each queued caller offered a call back instead of waiting
-- (diagram_2, diagram_3), one row per inbound call (conn_id), replaced as it
-- goes: NO when declined, YES when accepted, then each call back's attempt
-- and, at the end, OK, NO USER, STOP NEW or FAIL. inbound_ms is when the
-- caller called, last_outbound_ms the last call back's start, talk_ms the
-- call back's talk.
CREATE TABLE smart_waits (
  operation_id     INTEGER NOT NULL REFERENCES operations(id),
  conn_id          TEXT NOT NULL,
  skill_id         INTEGER NOT NULL REFERENCES skills(id),
  inbound_ms       INTEGER NOT NULL,
  last_outbound_ms INTEGER,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  ani              TEXT NOT NULL,
  dial_phone       TEXT NOT NULL,
  talk_ms          INTEGER NOT NULL,
  customer_id      TEXT NOT NULL,
  PRIMARY KEY (operation_id, conn_id)
);
-- diagram_2, diagram_3: the callers who called in a range.
CREATE INDEX smart_waits_by_time ON smart_waits (operation_id, inbound_ms);
