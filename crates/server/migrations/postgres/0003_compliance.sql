-- PostgreSQL twin of migrations/sqlite/0003_compliance.sql: the same tables, columns and
-- indexes (BIGINT for INTEGER, BYTEA for BLOB, text compared byte by byte
-- like SQLite's BINARY collation).
-- Do-not-call numbers per operation, blocked until a time (add_dnc's days_block),
-- and the calling profile each operation dials under (colombia | us | open).
CREATE TABLE dnc (
  operation_id  BIGINT NOT NULL REFERENCES operations(id),
  telephone     TEXT COLLATE "C" NOT NULL,
  blocked_until BIGINT NOT NULL,
  PRIMARY KEY (operation_id, telephone)
);

ALTER TABLE operations ADD COLUMN calling_profile TEXT COLLATE "C" NOT NULL DEFAULT 'colombia';
