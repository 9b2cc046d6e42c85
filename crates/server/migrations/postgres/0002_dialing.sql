-- PostgreSQL twin of migrations/sqlite/0002_dialing.sql: the same tables, columns and
-- indexes (BIGINT for INTEGER, BYTEA for BLOB, text compared byte by byte
-- like SQLite's BINARY collation).
-- The dialer's walk over a record's phones: next_phone is the phone column the
-- record will be dialed on next in this cycle (1..10), 0 when nothing is left to
-- dial (contacted, codified, or every phone tried). The pick reads it through a
-- partial index, so finding the next record never scans a campaign.
ALTER TABLE records ADD COLUMN next_phone BIGINT NOT NULL DEFAULT 0;

UPDATE records SET next_phone = CASE
    WHEN tel1 != '' THEN 1 WHEN tel2 != '' THEN 2 WHEN tel3 != '' THEN 3 WHEN tel4 != '' THEN 4
    WHEN tel5 != '' THEN 5 WHEN tel6 != '' THEN 6 WHEN tel7 != '' THEN 7 WHEN tel8 != '' THEN 8
    WHEN tel9 != '' THEN 9 WHEN tel10 != '' THEN 10 ELSE 0 END
WHERE status = 'clean';

CREATE INDEX records_dialable ON records (campaign_id, next_phone, id) WHERE next_phone > 0;
