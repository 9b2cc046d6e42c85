-- PostgreSQL twin of migrations/sqlite/0007_lease_expiry.sql.
-- A request lease ends when its request ends; as a last line of defence it
-- also ends at `expires_at` (Unix ms: taken_at + the admitting process's
-- request deadline + a margin), even while its process is alive. Leases from
-- before this column are already over (0).
ALTER TABLE request_leases ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;

-- The table holds a few live rows at a time (leases end with their request;
-- the heartbeat sweeps the rest): a scan counts them as fast as an index
-- would, and every lease taken and released writes one page fewer.
DROP INDEX request_leases_by_token;
