-- Marcador schema v1: the operation's real data model, facts plus the current
-- state that the same transactions keep up to date (never report-shaped tables).
-- Times are Unix seconds (UTC); days are YYYY-mm-dd in the operation's zone.

CREATE TABLE operations (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  time_zone  TEXT NOT NULL DEFAULT 'America/Bogota',
  licenses   INTEGER NOT NULL DEFAULT 1 CHECK (licenses > 0),
  created_at INTEGER NOT NULL
);

-- Only the SHA-256 of a token is stored; `prefix` tells tokens apart in listings.
CREATE TABLE tokens (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  token_hash   BLOB NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER
);

-- Requests counted per operation and local day (the daily quota).
CREATE TABLE quota_usage (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  day          TEXT NOT NULL,
  used         INTEGER NOT NULL,
  PRIMARY KEY (operation_id, day)
) WITHOUT ROWID;

CREATE TABLE skills (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE agents (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  skill_id     INTEGER NOT NULL REFERENCES skills(id),
  name         TEXT NOT NULL
);

-- level 1 = cod_act, level 2 = cod_act_2.
CREATE TABLE activity_codes (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  level        INTEGER NOT NULL CHECK (level IN (1, 2)),
  code         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  hit          INTEGER NOT NULL DEFAULT 0,
  rpc          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (operation_id, level, code)
) WITHOUT ROWID;

CREATE TABLE campaigns (
  id             INTEGER PRIMARY KEY,
  operation_id   INTEGER NOT NULL REFERENCES operations(id),
  name           TEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  type           TEXT NOT NULL CHECK (type IN ('predictive', 'preview')),
  status         TEXT NOT NULL DEFAULT 'stopped' CHECK (status IN ('started', 'stopped')),
  speed          INTEGER NOT NULL DEFAULT 100 CHECK (speed BETWEEN 0 AND 100),
  skill_id       INTEGER REFERENCES skills(id),
  start_time     TEXT NOT NULL DEFAULT '000000',
  end_time       TEXT NOT NULL DEFAULT '235959',
  opt_titles     TEXT NOT NULL DEFAULT '[]',
  current_phone  INTEGER NOT NULL DEFAULT 1,
  cycle          INTEGER NOT NULL DEFAULT 1,
  recycled       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  -- Counters of the real-time report, kept current by every fact's transaction.
  records        INTEGER NOT NULL DEFAULT 0,
  clean          INTEGER NOT NULL DEFAULT 0,
  dial           INTEGER NOT NULL DEFAULT 0,
  answer         INTEGER NOT NULL DEFAULT 0,
  no_answer      INTEGER NOT NULL DEFAULT 0,
  busy_congestion_failed INTEGER NOT NULL DEFAULT 0,
  answer_machine INTEGER NOT NULL DEFAULT 0,
  hits           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX campaigns_by_operation ON campaigns (operation_id, id);

-- Per phone column: records that have a number there, and records dialed on it this cycle.
CREATE TABLE campaign_phones (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  phone       INTEGER NOT NULL CHECK (phone BETWEEN 1 AND 10),
  with_phone  INTEGER NOT NULL DEFAULT 0,
  dialed      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, phone)
) WITHOUT ROWID;

-- Dial attempts per campaign and local day (penetration_day).
CREATE TABLE campaign_days (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  day         TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, day)
) WITHOUT ROWID;

-- A customer of a campaign's database. status: clean (to dial this cycle),
-- dialing (picked by the dialer), dialed (attempted this cycle), codified (never again).
CREATE TABLE records (
  id                 INTEGER PRIMARY KEY,
  campaign_id        INTEGER NOT NULL REFERENCES campaigns(id),
  customer_id        TEXT NOT NULL,
  customer_name      TEXT NOT NULL DEFAULT '',
  customer_last_name TEXT NOT NULL DEFAULT '',
  id_type            TEXT NOT NULL DEFAULT '',
  age                TEXT NOT NULL DEFAULT '',
  gender             TEXT NOT NULL DEFAULT '',
  country            TEXT NOT NULL DEFAULT '',
  state              TEXT NOT NULL DEFAULT '',
  city               TEXT NOT NULL DEFAULT '',
  zone               TEXT NOT NULL DEFAULT '',
  address            TEXT NOT NULL DEFAULT '',
  email              TEXT NOT NULL DEFAULT '',
  tel1 TEXT NOT NULL DEFAULT '',
  tel2 TEXT NOT NULL DEFAULT '',
  tel3 TEXT NOT NULL DEFAULT '',
  tel4 TEXT NOT NULL DEFAULT '',
  tel5 TEXT NOT NULL DEFAULT '',
  tel6 TEXT NOT NULL DEFAULT '',
  tel7 TEXT NOT NULL DEFAULT '',
  tel8 TEXT NOT NULL DEFAULT '',
  tel9 TEXT NOT NULL DEFAULT '',
  tel10 TEXT NOT NULL DEFAULT '',
  tel_extra          TEXT NOT NULL DEFAULT '',
  opt1 TEXT NOT NULL DEFAULT '',
  opt2 TEXT NOT NULL DEFAULT '',
  opt3 TEXT NOT NULL DEFAULT '',
  opt4 TEXT NOT NULL DEFAULT '',
  opt5 TEXT NOT NULL DEFAULT '',
  opt6 TEXT NOT NULL DEFAULT '',
  opt7 TEXT NOT NULL DEFAULT '',
  opt8 TEXT NOT NULL DEFAULT '',
  opt9 TEXT NOT NULL DEFAULT '',
  opt10 TEXT NOT NULL DEFAULT '',
  opt11 TEXT NOT NULL DEFAULT '',
  opt12 TEXT NOT NULL DEFAULT '',
  agent_id           TEXT NOT NULL DEFAULT '',
  recall_at          INTEGER,
  recall_telephone   TEXT NOT NULL DEFAULT '',
  status             TEXT NOT NULL DEFAULT 'clean'
                     CHECK (status IN ('clean', 'dialing', 'dialed', 'codified')),
  last_result        TEXT,
  attempts           INTEGER NOT NULL DEFAULT 0,
  cycle              INTEGER NOT NULL DEFAULT 0,
  phones_dialed      INTEGER NOT NULL DEFAULT 0,
  cod_act            TEXT NOT NULL DEFAULT '',
  cod_act_2          TEXT NOT NULL DEFAULT '',
  comment            TEXT NOT NULL DEFAULT '',
  codified_at        INTEGER,
  hit                INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  UNIQUE (campaign_id, customer_id)
);

-- One row per dial attempt: the facts behind campaign_3 and the real-time counters.
-- raw_status/hangup_cause keep what telephony said beside the Wolkvox result.
-- wire_bytes is the size of the attempt's campaign_3 row, for the answer-size cap.
CREATE TABLE dial_attempts (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
  record_id    INTEGER NOT NULL REFERENCES records(id),
  started_at   INTEGER NOT NULL,
  phone        INTEGER NOT NULL,
  telephone    TEXT NOT NULL,
  result       TEXT NOT NULL,
  raw_status   TEXT NOT NULL DEFAULT '',
  hangup_cause INTEGER,
  conn_id      TEXT NOT NULL,
  wire_bytes   INTEGER NOT NULL
);
CREATE INDEX attempts_by_campaign_time ON dial_attempts (operation_id, campaign_id, started_at);
CREATE INDEX attempts_by_time ON dial_attempts (operation_id, started_at);

-- Every call of the operation, any direction: the facts behind calls_last_10.
CREATE TABLE calls (
  id               INTEGER PRIMARY KEY,
  operation_id     INTEGER NOT NULL REFERENCES operations(id),
  started_at       INTEGER NOT NULL,
  type_interaction TEXT NOT NULL,
  result           TEXT NOT NULL,
  telephone        TEXT NOT NULL DEFAULT '',
  customer_id      TEXT NOT NULL DEFAULT '',
  conn_id          TEXT NOT NULL,
  campaign_id      INTEGER,
  rp_id            INTEGER,
  duration         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_by_time ON calls (operation_id, started_at);

CREATE TABLE routing_points (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  name         TEXT NOT NULL
);

-- One row per menu option a caller passed (option: digit, label or PULSE).
CREATE TABLE ivr_steps (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  rp_id        INTEGER NOT NULL REFERENCES routing_points(id),
  conn_id      TEXT NOT NULL,
  option       TEXT NOT NULL,
  entered_at   INTEGER NOT NULL,
  seconds      INTEGER NOT NULL
);
CREATE INDEX ivr_steps_by_time ON ivr_steps (operation_id, entered_at);

-- ivr_steps summed per routing point, option and hour (unix_seconds / 3600),
-- maintained in the step's transaction, so diagram_1_3 never scans raw steps.
CREATE TABLE ivr_rollup (
  operation_id INTEGER NOT NULL,
  hour         INTEGER NOT NULL,
  rp_id        INTEGER NOT NULL,
  option       TEXT NOT NULL,
  calls        INTEGER NOT NULL,
  seconds      INTEGER NOT NULL,
  PRIMARY KEY (operation_id, hour, rp_id, option)
) WITHOUT ROWID;
