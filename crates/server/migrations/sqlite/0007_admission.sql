-- Admission in one statement: a request lease also names the operation and
-- the local day its request is counted on, and taking it counts the request
-- against the daily quota (the trigger below), in the same atomic statement
-- that checked both limits (`Store::admit`).
--
-- A request lease ends when its request ends; as a last line of defence it
-- also ends at `expires_at` (Unix ms: taken_at + the admitting process's
-- request deadline + a margin), even while its process is alive. Leases from
-- before these columns are already over (0).
ALTER TABLE request_leases ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_leases ADD COLUMN operation_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_leases ADD COLUMN day TEXT NOT NULL DEFAULT '';

-- The table holds a few live rows at a time (leases end with their request;
-- the heartbeat sweeps the rest): a scan counts them as fast as an index
-- would, and every lease taken and released writes one page fewer.
DROP INDEX request_leases_by_token;

-- Every lease taken is one request counted.
CREATE TRIGGER request_leases_count_quota AFTER INSERT ON request_leases
BEGIN
  INSERT INTO quota_usage (operation_id, day, used) VALUES (NEW.operation_id, NEW.day, 1)
  ON CONFLICT (operation_id, day) DO UPDATE SET used = used + 1;
END;
