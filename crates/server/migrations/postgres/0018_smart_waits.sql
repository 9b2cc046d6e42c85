-- PostgreSQL twin of migrations/sqlite/0018_smart_waits.sql.
-- Smart wait: each queued caller offered a call back instead of waiting
-- (diagram_2, diagram_3), one row per inbound call (conn_id), replaced as it
-- goes: NO when declined, YES when accepted, then each call back's attempt
-- and, at the end, OK, NO USER, STOP NEW or FAIL. inbound_ms is when the
-- caller called, last_outbound_ms the last call back's start, talk_ms the
-- call back's talk.
CREATE TABLE smart_waits (
  operation_id     BIGINT NOT NULL REFERENCES operations(id),
  conn_id          TEXT COLLATE "C" NOT NULL,
  skill_id         BIGINT NOT NULL REFERENCES skills(id),
  inbound_ms       BIGINT NOT NULL,
  last_outbound_ms BIGINT,
  status           TEXT COLLATE "C" NOT NULL,
  attempts         BIGINT NOT NULL,
  ani              TEXT COLLATE "C" NOT NULL,
  dial_phone       TEXT COLLATE "C" NOT NULL,
  talk_ms          BIGINT NOT NULL,
  customer_id      TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (operation_id, conn_id)
);
-- diagram_2, diagram_3: the callers who called in a range.
CREATE INDEX smart_waits_by_time ON smart_waits (operation_id, inbound_ms);
