-- What agents did on their calls: each hold and each mute, from when it began
-- and how long it lasted (written by the engine when it ends — taken off, or
-- the call ended). action: hold, mute (marcador_wire::agent_reports::call_action).
-- The call's telephone, customer and skill are the calls row's (by conn_id).
CREATE TABLE call_actions (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  conn_id      TEXT NOT NULL,
  action       TEXT NOT NULL,
  started_ms   INTEGER NOT NULL,
  ms           INTEGER NOT NULL
);
-- agent_9 and agent_10: the actions begun in a range.
CREATE INDEX call_actions_by_time ON call_actions (operation_id, started_ms);
