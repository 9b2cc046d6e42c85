-- PostgreSQL twin of migrations/sqlite/0005_contacts.sql: the same tables, columns and
-- indexes (BIGINT for INTEGER, BYTEA for BLOB, text compared byte by byte
-- like SQLite's BINARY collation).
-- Customers reached by a person per local day (Ley 2300: at most one contact
-- per customer per day), written with each answered attempt.
CREATE TABLE contacts (
  operation_id BIGINT NOT NULL REFERENCES operations(id),
  customer_id  TEXT COLLATE "C" NOT NULL,
  day          TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (operation_id, customer_id, day)
);
