-- What a bulk load into empty fact tables set aside (store/bulk.rs). SQLite
-- loads keep their indexes (nothing is set aside there); the table exists so
-- both backends keep one schema.
CREATE TABLE bulk_load_deferred (
  seq        INTEGER PRIMARY KEY,
  table_name TEXT NOT NULL,
  name       TEXT NOT NULL,
  remake     TEXT NOT NULL
);
