-- PostgreSQL twin of migrations/sqlite/0009_call_detail.sql.
-- Who took each call and how it ended, and the codes typed on it: the facts
-- behind the call reports (cdr_*) and the activity-code reports (act_*).
ALTER TABLE calls ADD COLUMN agent_id BIGINT;
ALTER TABLE calls ADD COLUMN skill_id BIGINT;
ALTER TABLE calls ADD COLUMN ring_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN hang_up TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX calls_by_conn ON calls (operation_id, conn_id);

CREATE TABLE call_codes (
  operation_id BIGINT NOT NULL REFERENCES operations(id),
  conn_id      TEXT COLLATE "C" NOT NULL,
  agent_id     BIGINT,
  cod_act      TEXT COLLATE "C" NOT NULL,
  cod_act_2    TEXT COLLATE "C" NOT NULL DEFAULT '',
  comments     TEXT COLLATE "C" NOT NULL DEFAULT '',
  typed_at     BIGINT NOT NULL,
  PRIMARY KEY (operation_id, conn_id)
);
CREATE INDEX call_codes_by_time ON call_codes (operation_id, typed_at);
