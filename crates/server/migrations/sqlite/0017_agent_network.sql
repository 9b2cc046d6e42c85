-- How each agent's phone is reached (real_time latency), replaced by the
-- engine as telephony measures it: the round trip of the INVITE to the phone
-- (ms), the phone's address and User-Agent, the jitter (µs) and loss (basis
-- points) of the RTP it sends; and how many times its leg was opened
-- (offered), how many of those the phone did not take (rejected), and when
-- the agent last took a call.
CREATE TABLE agent_network (
  agent_id     INTEGER PRIMARY KEY REFERENCES agents(id),
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  latency_ms   INTEGER,
  ip           TEXT NOT NULL,
  user_agent   TEXT NOT NULL,
  tx_jitter_us INTEGER,
  tx_loss_bp   INTEGER,
  offered      INTEGER NOT NULL,
  rejected     INTEGER NOT NULL,
  last_call_ms INTEGER,
  measured_ms  INTEGER NOT NULL
);
CREATE INDEX agent_network_by_operation ON agent_network (operation_id);
