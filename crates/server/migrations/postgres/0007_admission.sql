-- PostgreSQL twin of migrations/sqlite/0007_admission.sql.
-- Admission in one statement: a request lease also names the operation and
-- the local day its request is counted on, and taking it counts the request
-- against the daily quota (the trigger below), in the same statement that
-- checked both limits (`Store::admit`).
--
-- A request lease ends when its request ends; as a last line of defence it
-- also ends at `expires_at` (Unix ms: taken_at + the admitting process's
-- request deadline + a margin), even while its process is alive. Leases from
-- before these columns are already over (0).
ALTER TABLE request_leases ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_leases ADD COLUMN operation_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE request_leases ADD COLUMN day TEXT COLLATE "C" NOT NULL DEFAULT '';

-- The table holds a few live rows at a time (leases end with their request;
-- the heartbeat sweeps the rest): a scan counts them as fast as an index
-- would, and every lease taken and released writes one page fewer.
DROP INDEX request_leases_by_token;

-- Every lease taken is one request counted.
CREATE FUNCTION request_leases_count_quota() RETURNS trigger AS $$
BEGIN
  INSERT INTO quota_usage (operation_id, day, used) VALUES (NEW.operation_id, NEW.day, 1)
  ON CONFLICT (operation_id, day) DO UPDATE SET used = quota_usage.used + 1;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER request_leases_count_quota AFTER INSERT ON request_leases
FOR EACH ROW EXECUTE FUNCTION request_leases_count_quota();
