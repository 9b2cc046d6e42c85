-- Several processes on one database. Each serving process registers here and
-- beats every second; one whose beat is older than the lease TTL is dead, and
-- every lease it held is void. Times are Unix milliseconds of the wall clock.
CREATE TABLE processes (
  id           TEXT PRIMARY KEY,
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

-- One row per request in flight: the per-token limit, counted across processes.
CREATE TABLE request_leases (
  id         INTEGER PRIMARY KEY,
  token_id   INTEGER NOT NULL,
  process_id TEXT NOT NULL,
  taken_at   INTEGER NOT NULL
);
CREATE INDEX request_leases_by_token ON request_leases (token_id);

-- The one process that dials each campaign.
CREATE TABLE campaign_leases (
  campaign_id INTEGER PRIMARY KEY,
  process_id  TEXT NOT NULL,
  taken_at    INTEGER NOT NULL
);
