-- Agents as people: an extension (agentbox's and real_time's agent_id), a
-- phone (a SIP address; none: a simulated agent), any number of skills, the
-- state the engine keeps them in, and the commands the agent API leaves for
-- the engine.
ALTER TABLE agents ADD COLUMN code TEXT;
ALTER TABLE agents ADD COLUMN phone TEXT;
-- Agents named in the setup file are people (0): they log in through the
-- agent API; the rest are simulated (logged in from the start, typing at random).
ALTER TABLE agents ADD COLUMN simulated INTEGER NOT NULL DEFAULT 1;
UPDATE agents SET code = CAST(1000 + id AS TEXT);
CREATE UNIQUE INDEX agents_by_code ON agents (operation_id, code);

-- agents.skill_id stays the agent's first skill.
CREATE TABLE agent_skills (
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  skill_id INTEGER NOT NULL REFERENCES skills(id),
  PRIMARY KEY (agent_id, skill_id)
) WITHOUT ROWID;
INSERT INTO agent_skills (agent_id, skill_id) SELECT id, skill_id FROM agents;

-- The operation's pause states (Wolkvox Manager's "Estados agentes"):
-- change_status takes their code.
CREATE TABLE agent_pauses (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  code         TEXT NOT NULL,
  name         TEXT NOT NULL,
  PRIMARY KEY (operation_id, code)
) WITHOUT ROWID;

-- Each agent's state now (written by the engine with the facts of the same
-- moment) and its times since it logged in. state: logout, ring (its phone is
-- being called), ready, talk_out, talk_in, acw, pause (pause names the code).
-- The call columns name the call the agent is on or last had.
CREATE TABLE agent_status (
  agent_id       INTEGER PRIMARY KEY REFERENCES agents(id),
  operation_id   INTEGER NOT NULL REFERENCES operations(id),
  state          TEXT NOT NULL,
  pause          TEXT NOT NULL DEFAULT '',
  since_ms       INTEGER NOT NULL,
  login_ms       INTEGER NOT NULL DEFAULT 0,
  calls_in       INTEGER NOT NULL DEFAULT 0,
  calls_out      INTEGER NOT NULL DEFAULT 0,
  calls_internal INTEGER NOT NULL DEFAULT 0,
  ready_ms       INTEGER NOT NULL DEFAULT 0,
  ring_ms        INTEGER NOT NULL DEFAULT 0,
  inbound_ms     INTEGER NOT NULL DEFAULT 0,
  outbound_ms    INTEGER NOT NULL DEFAULT 0,
  acw_ms         INTEGER NOT NULL DEFAULT 0,
  aux_ms         INTEGER NOT NULL DEFAULT 0,
  campaign_id    INTEGER,
  customer_id    TEXT NOT NULL DEFAULT '',
  conn_id        TEXT NOT NULL DEFAULT ''
);

-- What the agent API asked of an agent, taken by the engine at its next step.
-- command: ready, logout, pause (arg: the pause code), hang, typed.
CREATE TABLE agent_commands (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  command      TEXT NOT NULL,
  arg          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agent_commands_by_operation ON agent_commands (operation_id, id);

-- The agent API's requests need a token and pass the in-flight limit and the
-- quota check, but are not counted against the quota ("el uso de este token
-- no afecta el consumo asignado"): their leases are taken with counted = 0.
ALTER TABLE request_leases ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
DROP TRIGGER request_leases_count_quota;
CREATE TRIGGER request_leases_count_quota AFTER INSERT ON request_leases
WHEN NEW.counted = 1
BEGIN
  INSERT INTO quota_usage (operation_id, day, used) VALUES (NEW.operation_id, NEW.day, 1)
  ON CONFLICT (operation_id, day) DO UPDATE SET used = used + 1;
END;

-- A campaign's answering-machine detection: the country profile create_campaign's
-- `amd` named (ARG, CHL, COL…), or '' for none.
ALTER TABLE campaigns ADD COLUMN amd TEXT NOT NULL DEFAULT '';

-- real_time recall: the recalls still to come, found without reading every record.
CREATE INDEX records_by_recall ON records (recall_at) WHERE recall_at IS NOT NULL;

-- campaign_2: the records codified in a range, found without reading every record.
CREATE INDEX records_by_codified ON records (campaign_id, codified_at) WHERE codified_at IS NOT NULL;
