-- Calls agents handed to another agent (transfers; conferences share the
-- table): one row per leg handed over, written when that leg ends. conn_id is
-- the leg's own call (its calls row is a `transfer`), origin_conn_id the call
-- it came from; dnis what the agent dialed to hand it (the other agent's
-- extension); to_agent_id the agent it reached (none: a number outside).
CREATE TABLE transfers (
  id             INTEGER PRIMARY KEY,
  operation_id   INTEGER NOT NULL REFERENCES operations(id),
  conn_id        TEXT NOT NULL,
  origin_conn_id TEXT NOT NULL,
  from_agent_id  INTEGER NOT NULL REFERENCES agents(id),
  to_agent_id    INTEGER REFERENCES agents(id),
  dnis           TEXT NOT NULL,
  skill_id       INTEGER REFERENCES skills(id),
  kind           TEXT NOT NULL,
  started_ms     INTEGER NOT NULL,
  ms             INTEGER NOT NULL
);
-- agent_12, agent_13, agent_13_1: the legs begun in a range.
CREATE INDEX transfers_by_time ON transfers (operation_id, started_ms);
