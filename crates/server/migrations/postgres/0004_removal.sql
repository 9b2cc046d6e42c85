-- PostgreSQL twin of migrations/sqlite/0004_removal.sql: the same tables, columns and
-- indexes (BIGINT for INTEGER, BYTEA for BLOB, text compared byte by byte
-- like SQLite's BINARY collation).
-- remove_record / clear_campaign: a removed record stays only for the answered
-- attempts it keeps in reports. Its customer_id is freed (rewritten with the
-- record id) so the customer can be uploaded again; the original is kept.
ALTER TABLE records ADD COLUMN removed_at BIGINT;
ALTER TABLE records ADD COLUMN removed_customer_id TEXT COLLATE "C";
