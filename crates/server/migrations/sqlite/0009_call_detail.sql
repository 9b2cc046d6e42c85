-- Who took each call and how it ended, and the codes typed on it: the facts
-- behind the call reports (cdr_*) and the activity-code reports (act_*).
-- agent_id: agents.id of the agent who talked (none: no agent took it);
-- skill_id: the skill it was for; ring_seconds: from dialing (or arriving) to
-- an answer, or to the end when nothing answered; hang_up: who ended it
-- (agent, customer, system).
ALTER TABLE calls ADD COLUMN agent_id INTEGER;
ALTER TABLE calls ADD COLUMN skill_id INTEGER;
ALTER TABLE calls ADD COLUMN ring_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN hang_up TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_by_conn ON calls (operation_id, conn_id);

-- The codes an agent typed on a call (agentbox type, a codify of the record
-- the agent is on, a simulated agent's typing) or TIMEOUTACW when its
-- after-call work ran out untyped. One per call: typing again replaces it.
-- The call's row may be written before or after its typing (an agent may type
-- while still talking): the two meet by conn_id.
CREATE TABLE call_codes (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  conn_id      TEXT NOT NULL,
  agent_id     INTEGER,
  cod_act      TEXT NOT NULL,
  cod_act_2    TEXT NOT NULL DEFAULT '',
  comments     TEXT NOT NULL DEFAULT '',
  typed_at     INTEGER NOT NULL,
  PRIMARY KEY (operation_id, conn_id)
) WITHOUT ROWID;
CREATE INDEX call_codes_by_time ON call_codes (operation_id, typed_at);
