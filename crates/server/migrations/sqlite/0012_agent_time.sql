-- Where agents spend their time, and how long callers wait for them: the facts
-- behind the agent reports (agent_*) and the skill reports (skill_*).

-- Every state an agent left, with how long it lasted (written by the engine
-- when the state ends, with the facts of that moment). state: ring, ready,
-- talk_out, talk_in, acw, pause (domain::AgentPhase); pause: the pause's code;
-- conn_id / campaign_id: the call it was about (talk, after-call work), or the
-- campaign of the agent's last call.
CREATE TABLE agent_events (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  state        TEXT NOT NULL,
  pause        TEXT NOT NULL DEFAULT '',
  started_ms   INTEGER NOT NULL,
  ms           INTEGER NOT NULL,
  conn_id      TEXT NOT NULL DEFAULT '',
  campaign_id  INTEGER
);
CREATE INDEX agent_events_by_time ON agent_events (operation_id, started_ms);
-- agent_15: the state an agent was in before a preview.
CREATE INDEX agent_events_by_agent ON agent_events (operation_id, agent_id, started_ms);
-- skill reports: the after-call work of a call.
CREATE INDEX agent_events_by_conn ON agent_events (operation_id, conn_id);

-- The same time summed per half hour (slot = Unix seconds / 1800), agent,
-- campaign (0: none) and pause: what the agent reports add up, a few rows per
-- agent and half hour whatever the traffic. Kept by the facts' transaction.
CREATE TABLE agent_rollup (
  operation_id INTEGER NOT NULL,
  slot         INTEGER NOT NULL,
  agent_id     INTEGER NOT NULL,
  campaign_id  INTEGER NOT NULL,
  pause        TEXT NOT NULL,
  ring_ms      INTEGER NOT NULL DEFAULT 0,
  ready_ms     INTEGER NOT NULL DEFAULT 0,
  inbound_ms   INTEGER NOT NULL DEFAULT 0,
  outbound_ms  INTEGER NOT NULL DEFAULT 0,
  acw_ms       INTEGER NOT NULL DEFAULT 0,
  aux_ms       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (operation_id, slot, agent_id, campaign_id, pause)
) WITHOUT ROWID;

-- Each session from log-in to log-out (one still open is in agent_status).
CREATE TABLE agent_sessions (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  login_ms     INTEGER NOT NULL,
  logout_ms    INTEGER NOT NULL
);
CREATE INDEX agent_sessions_by_time ON agent_sessions (operation_id, login_ms);

-- Seconds a call waited in its skill's queue for an agent (answered or given
-- up); none: it never queued.
ALTER TABLE calls ADD COLUMN wait_seconds INTEGER;

-- Each skill's callers waiting for an agent now (written by the engine with
-- its facts when it changes): real_time skills' calls_in_queue_now.
CREATE TABLE skill_status (
  skill_id     INTEGER PRIMARY KEY REFERENCES skills(id),
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  in_queue     INTEGER NOT NULL
);

-- Every change made through the API (information.php audit_log): when, from
-- which address, by which token (its prefix), what, and the client's name
-- (its User-Agent: the workstation).
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  at           INTEGER NOT NULL,
  ip           TEXT NOT NULL DEFAULT '',
  actor        TEXT NOT NULL DEFAULT '',
  action       TEXT NOT NULL,
  workstation  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (operation_id, at);
